"""How long does mnist_conv take to reach 99.5% test accuracy on this machine?

    KT_DATA_DIR=../shared/data python benchmarks/conv_time_to_target.py [KEY=VALUE ...] [--target 0.995]

Trains mnist_conv (defaults, or the given overrides) through kt's engine and scores the test set after every
epoch (outside the timed training), printing the training time at which test accuracy first reaches the
target, and stops there. The per-epoch test scores are a measurement only; the recipe itself scores the test set once.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from kerastoolkit.cli import script_main  # noqa: E402
from kerastoolkit.data.pipeline import evaluation_batches  # noqa: E402
from kerastoolkit.engine import run_recipe  # noqa: E402
from kerastoolkit.registry import get_recipe  # noqa: E402


class TestEveryEpoch(keras.callbacks.Callback):
    """Scores the test set after each epoch; the time spent scoring is not counted as training."""

    def __init__(self, test, target: float):
        super().__init__()
        self.test, self.target = test, target
        self.trained, self.reached_at, self.scores = 0.0, None, []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.trained += time.perf_counter() - self._start
        accuracy = self.model.evaluate(self.test, verbose=0, return_dict=True)["accuracy"]
        self.scores.append(accuracy)
        print(f"  epoch {epoch + 1}: test accuracy {accuracy * 100:.2f}% after {self.trained:.0f} s", flush=True)
        if self.reached_at is None and round(accuracy, 4) >= self.target:
            self.reached_at = (epoch + 1, self.trained)
            self.model.stop_training = True  # the question is answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("overrides", nargs="*")
    parser.add_argument("--target", type=float, default=0.995)
    args = parser.parse_args()
    recipe = get_recipe("mnist_conv")
    config = recipe.make_config(args.overrides)
    data = recipe.module.build_data(config)
    probe = TestEveryEpoch(evaluation_batches(data.test, 1000), args.target)
    with tempfile.TemporaryDirectory() as runs_dir:
        result = run_recipe(recipe, config, runs_dir=runs_dir, callbacks=[probe])
    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; overrides: {' '.join(args.overrides) or 'none'}")
    print(result.summary)
    if probe.reached_at:
        epoch, seconds = probe.reached_at
        print(f"reached {args.target * 100:.2f}% test accuracy after epoch {epoch}: {seconds:.0f} s of training")
    else:
        print(f"did not reach {args.target * 100:.2f}%; best {max(probe.scores) * 100:.2f}%")


if __name__ == "__main__":
    script_main(main)
