"""char_rnn's test loss against training time on this machine.

    KT_DATA_DIR=../shared/data python benchmarks/char_rnn.py [KEY=VALUE ...] [--seed N]

Trains char_rnn (its defaults, or the given overrides) through kt's engine. After every epoch it scores the
validation and test windows outside the timed training and prints both losses in nats beside the training
time so far; the last line is the run's own summary (the test set scored once by the engine). The per-epoch
test scores are a measurement of the curve only; nothing is chosen by them.
"""

from __future__ import annotations

import math
import os
import tempfile
import time

from kerastoolkit.scripts import script_main, script_parser, seed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def score_every_epoch(test, batch_size: int):
    """A Keras callback: test loss after each epoch; the time spent scoring is not counted as training.

    Made here, not at import: Keras is imported after --help and the check of the arguments."""
    import keras

    from kerastoolkit.data.pipeline import evaluation_batches

    class ScoreEveryEpoch(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.test = evaluation_batches(test, batch_size)
            self.trained = 0.0
            self.rows: list[tuple[int, float, float, float]] = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.trained += time.perf_counter() - self._start
            test_loss = self.model.evaluate(self.test, verbose=0, return_dict=True)["loss"]
            self.rows.append((epoch + 1, self.trained, logs["val_loss"], test_loss))
            print(
                f"  epoch {epoch + 1}: {self.trained:6.0f} s of training, validation {logs['val_loss']:.3f}, "
                f"test {test_loss:.3f} nats ({test_loss / math.log(2):.2f} bits per character)",
                flush=True,
            )

    return ScoreEveryEpoch()


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="char_rnn hyperparameters (default: none)")
    parser.add_argument("--seed", type=seed, default=0, help="the run's random seed, 0 to 2**32 - 1 (default: 0)")
    args = parser.parse_intermixed_args()  # KEY=VALUE items before and after options
    from kerastoolkit.registry import get_recipe

    recipe = get_recipe("char_rnn")
    config = recipe.make_config(args.overrides)  # a bad KEY=VALUE: one line, before TensorFlow is imported

    from kerastoolkit.engine import run_recipe  # imports TensorFlow

    probe = score_every_epoch(recipe.module.build_data(config).test, 256)
    with tempfile.TemporaryDirectory() as runs_dir:
        result = run_recipe(recipe, config, runs_dir=runs_dir, seed=args.seed, callbacks=[probe])
    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; overrides: {' '.join(args.overrides) or 'none'}")
    print("| epoch | training time | validation loss | test loss (nats) |")
    print("| --- | --- | --- | --- |")
    for epoch, seconds, validation, test in probe.rows:
        print(f"| {epoch} | {seconds:.0f} s | {validation:.3f} | {test:.3f} |")
    print(result.summary)


if __name__ == "__main__":
    script_main(main)
