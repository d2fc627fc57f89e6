"""Learning-rate schedules set at every step from the step's place in the run, so a resumed run agrees.

`WarmupCosine(peak, warmup_epochs)` is a Keras callback: a linear warm-up from 0 to `peak` over the first
`warmup_epochs` (a fraction of an epoch is fine), then a half cosine from `peak` down to 0 at the end of the last
epoch of the `fit` it is given to (Loshchilov & Hutter 2017, without restarts; Goyal et al. 2017 for the warm-up).
The rate depends only on (epoch, batch, steps per epoch, epochs), which `BackupAndRestore` restores, so a run
resumed after a crash sets the same rate at every step as one that was never interrupted.
"""

from __future__ import annotations

import math

import keras


def warmup_cosine(step: float, total_steps: float, peak: float, warmup_steps: float) -> float:
    """The rate at `step` (0-based) of `total_steps`: linear up to `peak` over `warmup_steps`, then cosine to 0."""
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    decay_steps = max(total_steps - warmup_steps, 1.0)
    progress = min((step - warmup_steps) / decay_steps, 1.0)
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))


class WarmupCosine(keras.callbacks.Callback):
    """Sets the optimizer's learning rate before every training step: `warmup_cosine` over this fit's steps."""

    def __init__(self, peak: float, warmup_epochs: float = 0.0):
        super().__init__()
        self.peak, self.warmup_epochs = peak, warmup_epochs
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        steps = self.params["steps"]
        rate = warmup_cosine(
            self._epoch * steps + batch, self.params["epochs"] * steps, self.peak, self.warmup_epochs * steps
        )
        self.model.optimizer.learning_rate = rate
