"""The MNIST ladder: train each recipe with its defaults on the full data and print a table.

    KT_DATA_DIR=../shared/data python benchmarks/mnist_ladder.py [RECIPE ...] [--runs-dir DIR] [--seed N]

RECIPE is one of the ladder's rungs: mnist_softmax, mnist_mlp, mnist_dropout, mnist_conv (default: all four, in
that order).

Columns: test accuracy, published number, epochs, wall time on this machine. Each run also lands as a normal
run folder (default saved_models/), so its curves, confusion matrix and model can be inspected afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from kerastoolkit.scripts import script_main, script_parser, seed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

LADDER = ["mnist_softmax", "mnist_mlp", "mnist_dropout", "mnist_conv"]


def rung(text: str) -> str:
    """An argparse type: a recipe of the ladder (not `choices=`: Python 3.11 checks an empty `nargs="*"` against
    them and refuses it)."""
    if text not in LADDER:
        raise argparse.ArgumentTypeError(f"{text!r} is not on the ladder: choose from {', '.join(LADDER)}")
    return text


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument(
        "recipes", nargs="*", type=rung, default=LADDER, metavar="RECIPE", help=f"of {', '.join(LADDER)} (default: all)"
    )
    parser.add_argument("--runs-dir", default="saved_models", help="where the run folders go (default: saved_models)")
    parser.add_argument("--seed", type=seed, default=0, help="every run's random seed, 0 to 2**32 - 1 (default: 0)")
    args = parser.parse_intermixed_args()  # recipes before and after options
    from kerastoolkit.registry import get_recipe

    planned = [(name, get_recipe(name)) for name in args.recipes]
    planned = [(name, recipe, recipe.make_config()) for name, recipe in planned]  # all checked before training

    from kerastoolkit.engine import run_recipe  # imports TensorFlow

    rows = []
    for name, recipe, config in planned:
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
