"""Augmentation's cost and what it buys: epoch time with and without each distortion, mnist_conv_augmented and
mnist_committee test accuracy and training time.

    KT_DATA_DIR=../shared/data python benchmarks/vision.py [--part ratio|single|committee|all] [--seeds 1,2,3]
        [--ratio-epochs 2] [--set KEY=VALUE ...]

- `ratio`: mnist_conv_augmented for `--ratio-epochs` epochs with each distortion in turn (none first); the time
  of the last epoch (steady state: the first one also traces and warms the pipeline) and its ratio to none's.
  Target: elastic within 1.15.
- `single`: mnist_conv_augmented with its defaults, one run per seed: test accuracy and training time.
- `committee`: mnist_committee with its defaults, one run per seed: each member's and the committee's test
  accuracy, the committee's validation accuracy (to compare committees by; none with `--set validation_size=0`),
  training time.

`--set` overrides hyperparameters of every run that has them (`--set epochs=1 --set train_limit=2000`: a quick
check).
Runs go to a temporary folder. Prints one table per part, with the date and the number of cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kerastoolkit.cli import script_main  # noqa: E402
from kerastoolkit.config import last_wins  # noqa: E402
from kerastoolkit.engine import RunResult, run_recipe  # noqa: E402
from kerastoolkit.errors import ConfigError  # noqa: E402
from kerastoolkit.registry import get_recipe  # noqa: E402

DISTORTIONS = ["none", "elastic", "rotation", "translation", "scaling", "affine", "elastic,affine"]


def train(name: str, overrides: list[str], seed: int, runs_dir: str) -> RunResult:
    """One run of recipe `name`; of overrides naming the same key the last wins, keys it lacks are left out."""
    recipe = get_recipe(name)
    keys = {field.name for field in fields_of(name)}
    own = [item for item in last_wins(overrides) if item.partition("=")[0] in keys]
    return run_recipe(recipe, recipe.make_config(own), runs_dir=runs_dir, seed=seed)


def fields_of(name: str) -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(get_recipe(name).config_class)


def epoch_seconds(result: RunResult) -> float:
    """The last epoch's training time (history.csv)."""
    return float(result.run.read_history()[-1]["seconds"])


def ratio(args: argparse.Namespace, runs_dir: str) -> None:
    print("| augment | epoch time (s) | ratio to none |\n|---|---|---|")
    base = None
    for distortion in DISTORTIONS:
        overrides = [*args.set, f"augment={distortion}", f"epochs={args.ratio_epochs}"]
        seconds = epoch_seconds(train("mnist_conv_augmented", overrides, 1, runs_dir))
        base = base or seconds
        print(f"| {distortion} | {seconds:.1f} | {seconds / base:.3f} |", flush=True)


def single(args: argparse.Namespace, runs_dir: str) -> None:
    print("| seed | test accuracy | train time (s) |\n|---|---|---|")
    scores = []
    for seed in args.seeds:
        result = train("mnist_conv_augmented", args.set, seed, runs_dir)
        scores.append(result.scores["accuracy"])
        train_s = sum(float(row["seconds"]) for row in result.run.read_history())
        print(f"| {seed} | {result.scores['accuracy'] * 100:.2f}% | {train_s:.0f} |", flush=True)
    print(f"mean {statistics.mean(scores) * 100:.3f}% over {len(scores)} seeds")


def committee(args: argparse.Namespace, runs_dir: str) -> None:
    print("| seed | members' test accuracy | committee | committee's validation accuracy | train time (s) |")
    print("|---|---|---|---|---|")
    for seed in args.seeds:
        result = train("mnist_committee", args.set, seed, runs_dir)
        *members, whole = result.evaluation.breakdown
        tested = ", ".join(f"{row['accuracy'] * 100:.2f}" for row in members)
        train_s = sum(float(row["seconds"]) for row in result.run.read_history())
        validated = whole.get("validation_accuracy")  # none with validation_size=0: all 60,000 digits train
        shown = f"{validated * 100:.2f}%" if validated is not None else "none held out"
        scores = f"{whole['accuracy'] * 100:.2f}% | {shown}"
        print(f"| {seed} | {tested} | {scores} | {train_s:.0f} |", flush=True)


PARTS = {"ratio": ratio, "single": single, "committee": committee}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument("--seeds", type=lambda text: [int(s) for s in text.split(",")], default=[1])
    parser.add_argument("--ratio-epochs", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    known = {f.name for name in ("mnist_conv_augmented", "mnist_committee") for f in fields_of(name)}
    unknown = sorted({item.partition("=")[0] for item in args.set} - known)
    if unknown:  # a key no run has would be dropped silently by `train`
        raise ConfigError(f"--set {', '.join(unknown)}: no hyperparameter of mnist_conv_augmented or mnist_committee")
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; overrides: {' '.join(args.set) or 'none'}")
    with tempfile.TemporaryDirectory() as runs_dir:
        for name, part in PARTS.items():
            if args.part in (name, "all"):
                started = time.perf_counter()
                print(f"\n## {name}")
                part(args, runs_dir)
                print(f"({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    script_main(main)
