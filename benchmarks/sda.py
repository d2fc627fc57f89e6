"""Pretraining against none, on all labels and on 1,000, and the deep autoencoder against PCA (issue 10).

    KT_DATA_DIR=../shared/data python benchmarks/sda.py [--only NAME ...] [--seeds 0 1 2] [--runs-dir DIR]

Runs, each a normal run folder under --runs-dir (default saved_models/):
- `sda`: mnist_sda with its defaults (the paper's SdA-3: 1.28% test error), and `sda-nopretrain`: pretrain=false;
- `labels1000`: labels=1000 pretrained and `labels1000-nopretrain`, one run per seed (mean and spread);
- `autoencoder`: mnist_autoencoder with its defaults, its squared error per test image beside PCA's.

Prints a Markdown table (test error or squared error, published figure, epochs, train and wall time) with the
date, the command and the machine, for docs/RESULTS.md. The full set takes hours on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kerastoolkit.registry import get_recipe  # noqa: E402

# name -> (recipe, overrides, one run per seed?)
RUNS: dict[str, tuple[str, list[str], bool]] = {
    "sda": ("mnist_sda", [], False),
    "sda-nopretrain": ("mnist_sda", ["pretrain=false"], False),
    "labels1000": ("mnist_sda", ["labels=1000"], True),
    "labels1000-nopretrain": ("mnist_sda", ["labels=1000", "pretrain=false"], True),
    "autoencoder": ("mnist_autoencoder", [], False),
}


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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=list(RUNS), default=list(RUNS), help="which runs (default: all)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2], help="seeds of the labels=1000 runs")
    parser.add_argument("--runs-dir", default="saved_models")
    args = parser.parse_args()

    from kerastoolkit.engine import run_recipe  # imports TensorFlow: after --help

    rows = []
    for name in args.only:
        recipe_name, overrides, per_seed = RUNS[name]
        recipe = get_recipe(recipe_name)
        config = recipe.make_config(overrides)
        results = []
        for seed in args.seeds if per_seed else [0]:
            result = run_recipe(recipe, config, runs_dir=args.runs_dir, seed=seed)
            print(result.summary, flush=True)
            results.append(result)
        scores = [_score(name, r.scores) for r in results]
        spread = f" +- {statistics.stdev(scores):.2f}" if len(scores) > 1 else ""
        extra = ""
        if recipe_name == "mnist_autoencoder":
            extra = f"PCA {results[0].scores['pca_squared_error_per_image']:.2f}"
        published = recipe.published_for(config)
        metrics = [r.run.read_metrics() for r in results]
        rows.append(
            (
                name,
                " ".join(overrides) or "defaults",
                f"{statistics.mean(scores):.2f}{spread} ({len(scores)} run{'s' * (len(scores) > 1)})",
                _published(published),
                extra,
                round(statistics.mean(m["epochs"] for m in metrics)),
                f"{statistics.mean(m['train_time_s'] for m in metrics):.0f} s",
                f"{statistics.mean(r.seconds for r in results):.0f} s",
            )
        )

    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    print(f"command: python benchmarks/sda.py {' '.join(sys.argv[1:])}".rstrip())
    print("| run | overrides | test error % / squared error | published | PCA | epochs | train time | wall time |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


if __name__ == "__main__":
    main()
