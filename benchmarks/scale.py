"""Epoch time of mnist_conv under the default strategy and under `mirrored` with 2 (or more) replicas.

    KT_DATA_DIR=../shared/data python benchmarks/scale.py [--parts cpu1,cpu2,gpu1,gpu,workers2] [--epochs 2]
        [--limit 0] [--recipe mnist_conv]

Parts (`--parts`, comma-separated; default: all five):
    cpu1      the default strategy on the CPU.
    cpu2      `--strategy mirrored --cpu-replicas 2`: the CPU as two devices (the replicas share the same cores,
              so expect it slower, not faster).
    gpu1      the default strategy on one GPU, for comparison with gpu.
    gpu       `--strategy mirrored` on every local GPU.
    workers2  `--strategy multi-worker`, two worker processes on 127.0.0.1 (TF_CONFIG), sharing the same cores too.
The gpu parts are skipped, with a line, where there is no GPU.
Each part is a fresh `kt run recipe` process (TensorFlow fixes its devices once per process); the figure is the
median seconds of the epochs after the first (the first includes tracing), read from the run's history.csv,
with the test accuracy beside it. The recipe's hyperparameters (epochs, train_limit and, with --limit,
validation_size and test_limit) are checked before any part starts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from kerastoolkit.scripts import at_least, script_main, script_parser

PARTS = {
    "cpu1": (["--strategy", "default"], {"CUDA_VISIBLE_DEVICES": ""}),
    "cpu2": (["--strategy", "mirrored", "--cpu-replicas", "2"], {"CUDA_VISIBLE_DEVICES": ""}),
    "gpu1": (["--strategy", "default"], {}),
    "gpu": (["--strategy", "mirrored"], {}),
    "workers2": (["--strategy", "multi-worker"], {"CUDA_VISIBLE_DEVICES": ""}),
}


def tf_configs(count: int) -> list[str]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    workers = [f"127.0.0.1:{s.getsockname()[1]}" for s in sockets]
    for s in sockets:
        s.close()
    return [json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}) for i in range(count)]


def has_gpu() -> bool:
    code = "import tensorflow as tf; print(len(tf.config.list_physical_devices('GPU')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1]) > 0


def run_part(name: str, recipe: str, overrides: list[str], runs_dir: Path) -> dict:
    options, env = PARTS[name]
    command = [sys.executable, "-m", "kerastoolkit", "run", "recipe", recipe, *overrides, *options]
    command += ["--runs-dir", str(runs_dir / name)]
    base = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    configs = [{"TF_CONFIG": c} for c in tf_configs(2)] if name == "workers2" else [{}]
    workers = [subprocess.Popen(command, env={**base, **env, **config}) for config in configs]
    if any(worker.wait() for worker in workers):
        raise SystemExit(f"part {name} failed")
    (folder,) = (runs_dir / name).glob(f"{recipe}/*")
    with (folder / "history.csv").open() as f:
        seconds = [float(row["seconds"]) for row in csv.DictReader(f)]
    metrics = json.loads((folder / "metrics.json").read_text())
    later = seconds[1:] or seconds
    return {"part": name, "replicas": metrics["replicas"], "epoch_s": statistics.median(later), **metrics["test"]}


def part_list(text: str) -> list[str]:
    """An argparse type: parts separated by commas, each one of PARTS."""
    parts = [part.strip() for part in text.split(",")]
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown part {', '.join(map(repr, unknown))}: choose from {', '.join(PARTS)}"
        )
    return list(dict.fromkeys(parts))


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument(
        "--parts",
        type=part_list,
        default=list(PARTS),
        metavar="PART,PART,...",
        help=f"which parts, separated by commas, of {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument("--recipe", default="mnist_conv", help="the recipe every part trains (default: mnist_conv)")
    parser.add_argument("--epochs", type=at_least(1), default=2, help="epochs of every part, at least 1 (default: 2)")
    parser.add_argument(
        "--limit",
        type=at_least(0),
        default=0,
        metavar="N",
        help="train on the first N examples only, validate on N/5, test on N (default: 0, all)",
    )
    args = parser.parse_args()
    overrides = [f"epochs={args.epochs}", f"train_limit={args.limit}"]
    if args.limit:
        overrides += [f"validation_size={max(args.limit // 5, 1)}", f"test_limit={args.limit}"]
    from kerastoolkit.registry import get_recipe

    get_recipe(args.recipe).make_config(overrides)  # an unknown recipe or a bad value: one line, before any part
    parts = args.parts
    if any(p.startswith("gpu") for p in parts) and not has_gpu():
        print("no GPU here: skipping the gpu parts")
        parts = [p for p in parts if not p.startswith("gpu")]
    with tempfile.TemporaryDirectory() as runs_dir:
        rows = [run_part(name, args.recipe, overrides, Path(runs_dir)) for name in parts]
    print(f"\n{args.recipe}, {args.epochs} epochs, limit {args.limit or 'none'}")
    print(f"{'part':<8} {'replicas':>8} {'s/epoch':>8} {'test acc':>8}")
    for row in rows:
        print(f"{row['part']:<8} {row['replicas']:>8} {row['epoch_s']:>8.1f} {row.get('accuracy', float('nan')):>8.4f}")


if __name__ == "__main__":
    script_main(main)
