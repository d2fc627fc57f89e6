"""How fast does `kt` start for commands that do not train? Target: `kt --help`, `kt list` and
`kt show recipe mnist_conv` under 0.5 s (none of them imports TensorFlow).

    python benchmarks/startup.py [--runs 11]

Times whole processes (`kt` as installed on PATH), median and max of N runs each.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time

from kerastoolkit.errors import KtError
from kerastoolkit.scripts import at_least, script_main, script_parser

COMMANDS = [["--help"], ["list"], ["--version"], ["show", "--help"], ["show", "recipe", "mnist_conv"]]


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument(
        "--runs", type=at_least(1), default=11, help="processes timed per command, at least 1 (default: 11)"
    )
    args = parser.parse_args()
    kt = shutil.which("kt")
    if kt is None:
        raise KtError("kt is not on PATH: pip install . first")
    print(time.strftime("%Y-%m-%d"))
    for command in COMMANDS:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([kt, *command], capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        print(f"kt {' '.join(command):<24} median {statistics.median(times):.3f} s   max {max(times):.3f} s")


if __name__ == "__main__":
    script_main(main)
