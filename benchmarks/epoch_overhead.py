"""Does kt's engine cost time? The same conv net, two epochs, plain Keras against kt, in one process.

    KT_DATA_DIR=../shared/data python benchmarks/epoch_overhead.py [--recipe mnist_conv] [--repeats 1]

Plain: `model.fit(x, y, validation_data=...)` on in-memory numpy arrays, batch 128, no callbacks.
kt:    `run_recipe` with the recipe's defaults, epochs=2 and validation_size=5000: tf.data pipeline
       (tensorflow-datasets records read once into tensors, per-epoch seeded shuffle of indices, batch gather,
       prefetch), BackupAndRestore, history.csv, TensorBoard, run folder.
Both train on the same 55,000 images and validate on the same 5,000. The figure is the ratio of kt's
second-epoch time to plain Keras's (the first epoch includes tracing and, for kt, filling the validation cache).
Target: <= 1.00 (issue 9). --recipe is one of the MNIST ladder's nets (mnist_softmax, mnist_mlp, mnist_dropout,
mnist_conv), each with validation_size=5000 on both sides.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from kerastoolkit.scripts import at_least, script_main, script_parser

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# MNIST nets that `build_model` builds alone (the plain Keras side feeds them the images as arrays)
RECIPES = ["mnist_softmax", "mnist_mlp", "mnist_dropout", "mnist_conv"]


def epoch_timer():
    """A Keras callback recording each epoch's seconds (made here: Keras is imported after --help)."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    return EpochTimer()


def plain_keras_epochs(recipe, config) -> list[float]:
    import keras
    import numpy as np

    from kerastoolkit.data.mnist import load_arrays

    images, labels = load_arrays("mnist", "train")
    x = images.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    split = len(x) - config.validation_size
    keras.utils.set_random_seed(0)
    model = recipe.module.build_model(config)
    timer = epoch_timer()
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
    from kerastoolkit.engine import run_recipe  # imports TensorFlow: after --help

    with tempfile.TemporaryDirectory() as runs_dir:
        result = run_recipe(recipe, config, runs_dir=runs_dir, seed=0)
        return [float(row["seconds"]) for row in result.run.read_history()]


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument("--recipe", choices=RECIPES, default="mnist_conv", help="the net to time (default: mnist_conv)")
    parser.add_argument(
        "--repeats", type=at_least(1), default=1, help="alternate plain and kt this many times, at least 1 (default: 1)"
    )
    args = parser.parse_args()
    from kerastoolkit.registry import get_recipe

    recipe = get_recipe(args.recipe)
    config = recipe.make_config(["epochs=2", "validation_size=5000"])  # the docstring's 55,000 and 5,000

    plain, kt = [], []
    for _ in range(args.repeats):
        plain.append(plain_keras_epochs(recipe, config))
        kt.append(kt_epochs(recipe, config))
    plain_second = statistics.median(p[1] for p in plain)
    kt_second = statistics.median(k[1] for k in kt)
    print(f"\n{time.strftime('%Y-%m-%d')}  {args.recipe}, {os.cpu_count()} cores, epochs of 55,000 images")
    print(f"plain keras epochs: {[f'{s:.1f} s' for p in plain for s in p]}")
    print(f"kt engine epochs:   {[f'{s:.1f} s' for k in kt for s in k]}")
    print(f"second epoch: plain {plain_second:.1f} s, kt {kt_second:.1f} s, ratio {kt_second / plain_second:.3f}")


if __name__ == "__main__":
    script_main(main)
