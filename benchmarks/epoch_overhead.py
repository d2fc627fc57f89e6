"""Does kt's engine cost time? The same conv net, two epochs, plain Keras against kt, in one process.

    KT_DATA_DIR=../shared/data python benchmarks/epoch_overhead.py [--recipe mnist_conv] [--repeats 1]

Plain: `model.fit(x, y, validation_data=...)` on in-memory numpy arrays, batch 128, no callbacks.
kt:    `run_recipe` with the recipe's defaults and epochs=2: tf.data pipeline (tensorflow-datasets records
       read once into tensors, per-epoch seeded shuffle of indices, batch gather, prefetch), BackupAndRestore,
       history.csv, TensorBoard, run folder.
Both train on the same 55,000 images and validate on the same 5,000. The figure is the ratio of kt's
second-epoch time to plain Keras's (the first epoch includes tracing and, for kt, filling the validation cache).
Target: <= 1.00 (issue 9).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from kerastoolkit.cli import script_main  # noqa: E402
from kerastoolkit.data.mnist import load_arrays  # noqa: E402
from kerastoolkit.engine import run_recipe  # noqa: E402
from kerastoolkit.registry import get_recipe  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def plain_keras_epochs(recipe, config) -> list[float]:
    images, labels = load_arrays("mnist", "train")
    x = images.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    split = len(x) - config.validation_size
    keras.utils.set_random_seed(0)
    model = recipe.module.build_model(config)
    timer = EpochTimer()
    model.fit(
        x[:split],
        labels[:split],
        batch_size=config.batch_size,
        epochs=2,
        verbose=2,
        validation_data=(x[split:], labels[split:]),
        callbacks=[timer],
    )
    return timer.seconds


def kt_epochs(recipe, config) -> list[float]:
    with tempfile.TemporaryDirectory() as runs_dir:
        result = run_recipe(recipe, config, runs_dir=runs_dir, seed=0)
        return [float(row["seconds"]) for row in result.run.read_history()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", default="mnist_conv")
    parser.add_argument("--repeats", type=int, default=1, help="alternate plain and kt this many times")
    args = parser.parse_args()
    recipe = get_recipe(args.recipe)
    config = recipe.make_config(["epochs=2"])

    plain, kt = [], []
    for _ in range(args.repeats):
        plain.append(plain_keras_epochs(recipe, config))
        kt.append(kt_epochs(recipe, config))
    plain_second = float(np.median([p[1] for p in plain]))
    kt_second = float(np.median([k[1] for k in kt]))
    print(f"\n{time.strftime('%Y-%m-%d')}  {args.recipe}, {os.cpu_count()} cores, epochs of 55,000 images")
    print(f"plain keras epochs: {[f'{s:.1f} s' for p in plain for s in p]}")
    print(f"kt engine epochs:   {[f'{s:.1f} s' for k in kt for s in k]}")
    print(f"second epoch: plain {plain_second:.1f} s, kt {kt_second:.1f} s, ratio {kt_second / plain_second:.3f}")


if __name__ == "__main__":
    script_main(main)
