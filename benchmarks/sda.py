"""Pretraining against none, on all labels and on 1,000, and the deep autoencoder against PCA (issue 10).

    KT_DATA_DIR=../shared/data python benchmarks/sda.py [--only NAME ...] [--seeds 0 1 2] [--full-seeds 0]
        [--set KEY=VALUE ...] [--runs-dir DIR]

Runs, each a normal run folder under --runs-dir (default saved_models/):
- `sda`: mnist_sda with its defaults (the paper's SdA-3: 1.28% test error), and `sda-nopretrain`: pretrain=false,
  one run per `--full-seeds` seed (default 0 only: about 27 minutes a run);
- `labels1000`: labels=1000 pretrained and `labels1000-nopretrain`, one run per `--seeds` seed (mean and spread);
- `autoencoder`: mnist_autoencoder with its defaults, its squared error per test image beside PCA's.
`--set` overrides a hyperparameter of every mnist_sda run (`--set learning_rate=0.5`), and of mnist_sda runs only:
it is refused when no mnist_sda run is selected (`--only autoencoder`). `--seeds` and `--full-seeds` take seeds
separated by spaces (`--seeds 0 1 2`). Every run's hyperparameters are checked before the first one trains.

Prints a Markdown table (test error or squared error, published figure, fine-tuning epochs, pretraining time,
fine-tuning time, wall time) with the date, the command and the machine, for docs/RESULTS.md. The full set takes
hours on 2 CPU cores.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

from kerastoolkit.scripts import add_set_option, script_main, script_parser, seed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# name -> (recipe, overrides, which seeds: "full" (--full-seeds), "labels" (--seeds) or "one" (0))
RUNS: dict[str, tuple[str, list[str], str]] = {
    "sda": ("mnist_sda", [], "full"),
    "sda-nopretrain": ("mnist_sda", ["pretrain=false"], "full"),
    "labels1000": ("mnist_sda", ["labels=1000"], "labels"),
    "labels1000-nopretrain": ("mnist_sda", ["labels=1000", "pretrain=false"], "labels"),
    "autoencoder": ("mnist_autoencoder", [], "one"),
}


def stage_times(history: list[dict[str, str]]) -> tuple[int, float, float]:
    """(fine-tuning epochs, pretraining seconds, fine-tuning seconds) from a run's history.csv rows: a row whose
    stage starts with "pretrain" is pretraining, every other row (mnist_autoencoder's training) fine-tuning."""
    pretraining = [row for row in history if row["stage"].startswith("pretrain")]
    tuning = [row for row in history if not row["stage"].startswith("pretrain")]
    return len(tuning), sum(float(r["seconds"]) for r in pretraining), sum(float(r["seconds"]) for r in tuning)


def _score(name: str, scores: dict[str, float]) -> float:
    """Test error (%) of an SdA run, squared error per image of the autoencoder."""
    if RUNS[name][0] == "mnist_autoencoder":
        return scores["squared_error_per_image"]
    return 100 * (1 - scores["accuracy"])


def _published(published) -> str:
    """The target in the table's unit: test error (%) for the SdA (published as accuracy), else as published."""
    if published is None:
        return ""
    if published.metric == "accuracy":
        return f"{100 * (1 - published.value):.2f}"
    return published.format()


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(RUNS),
        default=list(RUNS),
        metavar="NAME",
        help=f"which runs, of {', '.join(RUNS)} (default: all)",
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=seed,
        default=[0, 1, 2],
        metavar="SEED",
        help="seeds of the labels=1000 runs, separated by spaces: --seeds 0 1 2 (default: 0 1 2)",
    )
    parser.add_argument(
        "--full-seeds",
        nargs="+",
        type=seed,
        default=[0],
        metavar="SEED",
        help="seeds of the all-labels SdA runs, separated by spaces (default: 0)",
    )
    add_set_option(
        parser, "a hyperparameter of every mnist_sda run (repeatable); refused when no mnist_sda run is selected"
    )
    parser.add_argument("--runs-dir", default="saved_models", help="where the run folders go (default: saved_models)")
    args = parser.parse_args()
    from kerastoolkit.config import last_wins
    from kerastoolkit.registry import get_recipe

    if args.set and not any(RUNS[name][0] == "mnist_sda" for name in args.only):
        parser.error(f"--set applies to mnist_sda runs only, and none of {', '.join(args.only)} is one")
    planned = []  # every config built, so checked, before the first run trains
    for name in dict.fromkeys(args.only):
        recipe_name, overrides, seeding = RUNS[name]
        if recipe_name == "mnist_sda":  # a --set key replaces the run's own (labels=100 for labels1000)
            overrides = last_wins([*overrides, *args.set])
        recipe = get_recipe(recipe_name)
        seeds = {"full": args.full_seeds, "labels": args.seeds, "one": [0]}[seeding]
        planned.append((name, recipe, overrides, recipe.make_config(overrides), seeds))

    from kerastoolkit.engine import run_recipe  # imports TensorFlow: after --help and the checks

    rows = []
    for name, recipe, overrides, config, seeds in planned:
        results = []
        for run_seed in seeds:
            result = run_recipe(recipe, config, runs_dir=args.runs_dir, seed=run_seed)
            print(result.summary, flush=True)
            results.append(result)
        scores = [_score(name, r.scores) for r in results]
        spread = f" +- {statistics.stdev(scores):.2f}" if len(scores) > 1 else ""
        extra = ""
        if recipe.name == "mnist_autoencoder":
            extra = f"PCA {results[0].scores['pca_squared_error_per_image']:.2f}"
        published = recipe.published_for(config)
        epochs, pretraining, tuning = zip(*(stage_times(r.run.read_history()) for r in results), strict=True)
        rows.append(
            (
                name,
                " ".join(overrides) or "defaults",
                f"{statistics.mean(scores):.2f}{spread} ({len(scores)} run{'s' * (len(scores) > 1)})",
                _published(published),
                extra,
                round(statistics.mean(epochs)),
                f"{statistics.mean(pretraining):.0f} s",
                f"{statistics.mean(tuning):.0f} s",
                f"{statistics.mean(r.seconds for r in results):.0f} s",
            )
        )

    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    print(f"command: python benchmarks/sda.py {' '.join(sys.argv[1:])}".rstrip())
    print(
        "| run | overrides | test error % / squared error | published | PCA | fine-tuning epochs | pretraining time "
        "| fine-tuning time | wall time |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


if __name__ == "__main__":
    script_main(main)
