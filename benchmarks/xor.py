"""How many seeds solve XOR, by the width of the hidden layer: the figures behind the xor recipe's docstring.

    python benchmarks/xor.py [--units 2,4,8] [--seeds 30] [--runs-dir DIR]

Trains `kt run recipe xor hidden_units=U --seed S` for every U and every seed 0..N-1 (the recipe's other defaults)
and prints, per width, how many seeds put all four points right, which did not, and the median wall time of a run.
Each run lands in a temporary folder (removed at the end) unless --runs-dir is given.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time

from kerastoolkit.scripts import at_least, comma_list, script_main, script_parser

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument(
        "--units", type=comma_list(at_least(1)), default=[2, 4, 8], help="hidden-layer widths (default: 2,4,8)"
    )
    parser.add_argument("--seeds", type=at_least(1), default=30, help="seeds 0..N-1 for every width (default: 30)")
    parser.add_argument("--runs-dir", help="keep the run folders here (default: a temporary folder, removed)")
    args = parser.parse_args()
    from kerastoolkit.registry import get_recipe

    recipe = get_recipe("xor")
    configs = {units: recipe.make_config(hidden_units=units) for units in args.units}

    from kerastoolkit.engine import run_recipe  # imports TensorFlow

    with tempfile.TemporaryDirectory(prefix="kt-xor-") as scratch:
        runs_dir = args.runs_dir or scratch
        rows = []
        for units, config in configs.items():
            unsolved, seconds = [], []
            for seed in range(args.seeds):
                result = run_recipe(recipe, config, runs_dir=runs_dir, seed=seed)
                seconds.append(result.seconds)
                if result.scores["accuracy"] < 1.0:
                    unsolved.append(f"{seed} ({round(result.scores['accuracy'] * 4)} of 4)")
            print(f"{units} units: {args.seeds - len(unsolved)} of {args.seeds} seeds solved", flush=True)
            rows.append((units, unsolved, statistics.median(seconds)))

    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    print(f"| hidden units | seeds 0-{args.seeds - 1} with 4 of 4 | seeds that stall | median wall time a run |")
    print("|---|---|---|---|")
    for units, unsolved, median in rows:
        stalled = ", ".join(unsolved) or "none"
        print(f"| {units} | {args.seeds - len(unsolved)} of {args.seeds} | {stalled} | {median:.1f} s |")


if __name__ == "__main__":
    script_main(main)
