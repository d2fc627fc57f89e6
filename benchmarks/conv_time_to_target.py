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

from kerastoolkit.scripts import script_main, script_parser

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def fraction(text: str) -> float:
    """An argparse type: an accuracy above 0 and at most 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{value} is not an accuracy: it must be above 0 and at most 1")
    return value


def every_epoch_probe(test, target: float):
    """A Keras callback scoring the test set after each epoch; the time spent scoring is not counted as training.

    Made here, not at import: Keras is imported after --help and the check of the arguments."""
    import keras

    class TestEveryEpoch(keras.callbacks.Callback):
        def __init__(self):
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

    return TestEveryEpoch()


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="mnist_conv hyperparameters (default: none)")
    parser.add_argument(
        "--target", type=fraction, default=0.995, help="test accuracy to reach, above 0 and at most 1 (default: 0.995)"
    )
    args = parser.parse_intermixed_args()  # KEY=VALUE items before and after options
    from kerastoolkit.registry import get_recipe

    recipe = get_recipe("mnist_conv")
    config = recipe.make_config(args.overrides)  # a bad KEY=VALUE: one line, before TensorFlow is imported

    from kerastoolkit.data.pipeline import evaluation_batches  # imports TensorFlow
    from kerastoolkit.engine import run_recipe

    data = recipe.module.build_data(config)
    probe = every_epoch_probe(evaluation_batches(data.test, 1000), args.target)
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
