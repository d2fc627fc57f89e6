"""Augmentation's cost and what it buys: epoch time with and without each distortion, mnist_conv_augmented and
mnist_committee test accuracy and training time.

    KT_DATA_DIR=../shared/data python benchmarks/vision.py [--part ratio|single|committee|all] [--seeds 1,2,3]
        [--ratio-epochs 2] [--set KEY=VALUE ...]

- `ratio`: mnist_conv_augmented for `--ratio-epochs` epochs with each distortion in turn (none first); the time
  of the last epoch (steady state: the first one also traces and warms the pipeline) and its ratio to none's.
  Target: elastic within 1.15.
- `single`: mnist_conv_augmented with its defaults, one run per seed: test accuracy, validation accuracy at the
  last epoch (none with the default: all 60,000 digits train; `--set validation_size=5000` holds some out) and
  training time.
- `committee`: mnist_committee with its defaults, one run per seed: each member's and the committee's test
  accuracy, the committee's validation accuracy (to compare committees by; none with the default, which trains
  on all 60,000 digits: `--set validation_size=5000` holds some out), training time.

`--set` overrides hyperparameters of every run that has them (`--set epochs=1 --set train_limit=2000`: a quick
check); a key that none of the selected parts' recipes has is refused, and so is a bad value: every run's
hyperparameters are checked before the first one trains. `--seeds` takes seeds separated by commas (`1,2,3`).
Runs go to a temporary folder. Prints one table per part, with the date and the number of cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from typing import TYPE_CHECKING, Any

from kerastoolkit.scripts import add_set_option, at_least, script_main, script_parser, seed_list

if TYPE_CHECKING:
    from kerastoolkit.engine import RunResult

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DISTORTIONS = ["none", "elastic", "rotation", "translation", "scaling", "affine", "elastic,affine"]
RECIPES = {"ratio": "mnist_conv_augmented", "single": "mnist_conv_augmented", "committee": "mnist_committee"}


def fields_of(name: str) -> tuple[dataclasses.Field, ...]:
    from kerastoolkit.registry import get_recipe

    return dataclasses.fields(get_recipe(name).config_class)


def make_config(name: str, overrides: list[str]) -> Any:
    """Recipe `name`'s Config; of overrides naming the same key the last wins, keys it lacks are left out."""
    from kerastoolkit.config import last_wins
    from kerastoolkit.registry import get_recipe

    keys = {field.name for field in fields_of(name)}
    own = [item for item in last_wins(overrides) if item.partition("=")[0] in keys]
    return get_recipe(name).make_config(own)


def plan(args: argparse.Namespace) -> dict[str, list[tuple[Any, int]]]:
    """Each selected part's runs, (config, seed), every config built (so checked) before anything trains."""
    runs: dict[str, list[tuple[Any, int]]] = {}
    if args.part in ("ratio", "all"):
        runs["ratio"] = [
            (make_config(RECIPES["ratio"], [*args.set, f"augment={d}", f"epochs={args.ratio_epochs}"]), 1)
            for d in DISTORTIONS
        ]
    for part in ("single", "committee"):
        if args.part in (part, "all"):
            config = make_config(RECIPES[part], args.set)
            runs[part] = [(config, seed) for seed in args.seeds]
    return runs


def train(name: str, config: Any, seed: int, runs_dir: str) -> RunResult:
    from kerastoolkit.engine import run_recipe  # imports TensorFlow
    from kerastoolkit.registry import get_recipe

    return run_recipe(get_recipe(name), config, runs_dir=runs_dir, seed=seed)


def epoch_seconds(result: RunResult) -> float:
    """The last epoch's training time (history.csv)."""
    return float(result.run.read_history()[-1]["seconds"])


def last_validation(history: list[dict[str, str]]) -> str:
    """The last epoch's validation accuracy, or "none held out" when the run had no validation split."""
    value = history[-1].get("val_accuracy") if history else None
    return f"{float(value) * 100:.2f}%" if value else "none held out"


def ratio(runs: list[tuple[Any, int]], runs_dir: str) -> None:
    print("| augment | epoch time (s) | ratio to none |\n|---|---|---|")
    base = None
    for distortion, (config, seed) in zip(DISTORTIONS, runs, strict=True):
        seconds = epoch_seconds(train(RECIPES["ratio"], config, seed, runs_dir))
        base = base or seconds
        print(f"| {distortion} | {seconds:.1f} | {seconds / base:.3f} |", flush=True)


def single(runs: list[tuple[Any, int]], runs_dir: str) -> None:
    print("| seed | test accuracy | validation accuracy (last epoch) | train time (s) |\n|---|---|---|---|")
    scores = []
    for config, seed in runs:
        result = train(RECIPES["single"], config, seed, runs_dir)
        scores.append(result.scores["accuracy"])
        history = result.run.read_history()
        train_s = sum(float(row["seconds"]) for row in history)
        validated = last_validation(history)  # none by default: all 60,000 digits train
        print(f"| {seed} | {result.scores['accuracy'] * 100:.2f}% | {validated} | {train_s:.0f} |", flush=True)
    print(f"mean {statistics.mean(scores) * 100:.3f}% over {len(scores)} seeds")


def committee(runs: list[tuple[Any, int]], runs_dir: str) -> None:
    print("| seed | members' test accuracy | committee | committee's validation accuracy | train time (s) |")
    print("|---|---|---|---|---|")
    for config, seed in runs:
        result = train(RECIPES["committee"], config, seed, runs_dir)
        *members, whole = result.evaluation.breakdown
        tested = ", ".join(f"{row['accuracy'] * 100:.2f}" for row in members)
        train_s = sum(float(row["seconds"]) for row in result.run.read_history())
        validated = whole.get("validation_accuracy")  # none with validation_size=0: all 60,000 digits train
        shown = f"{validated * 100:.2f}%" if validated is not None else "none held out"
        scores = f"{whole['accuracy'] * 100:.2f}% | {shown}"
        print(f"| {seed} | {tested} | {scores} | {train_s:.0f} |", flush=True)


PARTS = {"ratio": ratio, "single": single, "committee": committee}


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all", help="which part to run (default: all)")
    parser.add_argument(
        "--seeds",
        type=seed_list,
        default=[1],
        metavar="SEED,SEED,...",
        help="seeds of the single and committee runs, separated by commas: --seeds 1,2,3 (default: 1)",
    )
    parser.add_argument(
        "--ratio-epochs",
        type=at_least(1),
        default=2,
        metavar="N",
        help="epochs of each ratio run, at least 1; the last one is timed (default: 2)",
    )
    add_set_option(parser, "a hyperparameter of every run that has it (repeatable)")
    args = parser.parse_args()
    from kerastoolkit.errors import ConfigError

    names = sorted({RECIPES[part] for part in PARTS if args.part in (part, "all")})
    known = {f.name for name in names for f in fields_of(name)}
    unknown = sorted({item.partition("=")[0] for item in args.set} - known)
    if unknown:  # a key no run has would be dropped silently by `make_config`
        raise ConfigError(f"--set {', '.join(unknown)}: no hyperparameter of {' or '.join(names)}")
    runs = plan(args)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; overrides: {' '.join(args.set) or 'none'}")
    with tempfile.TemporaryDirectory() as runs_dir:
        for name, part in PARTS.items():
            if name in runs:
                started = time.perf_counter()
                print(f"\n## {name}")
                part(runs[name], runs_dir)
                print(f"({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    script_main(main)
