"""The MNIST ladder: train each recipe with its defaults on the full data and print a table.

    KT_DATA_DIR=../shared/data python benchmarks/mnist_ladder.py [RECIPE ...] [--runs-dir DIR] [--seed N]

Columns: test accuracy, published number, epochs, wall time on this machine. Each run also lands as a normal
run folder (default saved_models/), so its curves, confusion matrix and model can be inspected afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kerastoolkit.cli import script_main  # noqa: E402
from kerastoolkit.engine import run_recipe  # noqa: E402
from kerastoolkit.registry import get_recipe  # noqa: E402

LADDER = ["mnist_softmax", "mnist_mlp", "mnist_dropout", "mnist_conv"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipes", nargs="*", default=LADDER)
    parser.add_argument("--runs-dir", default="saved_models")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rows = []
    for name in args.recipes:
        recipe = get_recipe(name)
        config = recipe.make_config()
        result = run_recipe(recipe, config, runs_dir=args.runs_dir, seed=args.seed)
        rows.append((name, result.scores["accuracy"], recipe.published, config.epochs, result.seconds))
        print(result.summary, flush=True)

    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    print("| recipe | test accuracy | published | reached | epochs | wall time |")
    print("|---|---|---|---|---|---|")
    for name, accuracy, published, epochs, seconds in rows:
        reached = "yes" if published.reached(accuracy) else "no"
        print(f"| {name} | {accuracy * 100:.2f}% | {published.format()} | {reached} | {epochs} | {seconds:.0f} s |")


if __name__ == "__main__":
    script_main(main)
