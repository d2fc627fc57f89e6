"""Early stopping that survives a resumed run.

Keras's `EarlyStopping` keeps its patience count and best value in memory, so a run killed during a stage and
resumed with `--resume` would count its patience from zero again and train longer than an uninterrupted run.
`ResumableEarlyStopping` starts from the stage's epochs already recorded in history.csv instead.
"""

from __future__ import annotations

from typing import Any

import keras

from kerastoolkit.runs import recorded
from kerastoolkit.scores import direction


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """`EarlyStopping` whose best value and patience count carry over from a resumed stage's history.

    `history` is the run's history.csv rows (`Run.read_history()`); only the rows of `stage` up to the epoch
    training resumes at are read (rows past it belong to the attempt that was cut off). `mode` is "min" (a
    loss), "max" (an accuracy) or "auto" (`scores.direction(monitor)`, the rule `BestCheckpoint` follows too).
    """

    def __init__(self, history: list[dict[str, Any]], stage: str, mode: str = "auto", **kwargs: Any):
        if mode not in ("min", "max", "auto"):
            raise ValueError(f"mode must be 'min', 'max' or 'auto', not {mode!r}")
        monitor = kwargs.setdefault("monitor", "val_loss")
        super().__init__(mode=direction(monitor) if mode == "auto" else mode, **kwargs)
        self.history, self.stage = history, stage
        self._carried_over = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        self._carried_over = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if not self._carried_over:  # `epoch` is the first of this attempt: epochs 1..epoch were trained before
            self._carried_over = True
            self._carry_over(epoch)

    def _carry_over(self, first_epoch: int) -> None:
        earlier = [
            float(row[self.monitor])
            for row in self.history
            if row.get("stage") == self.stage and int(row["epoch"]) <= first_epoch and recorded(row, self.monitor)
        ]
        if earlier:
            best_of = min if self.mode == "min" else max  # the first best, as Keras's strict comparison keeps
            best_index = best_of(range(len(earlier)), key=earlier.__getitem__)
            self.best, self.best_epoch = earlier[best_index], best_index
            self.wait = len(earlier) - 1 - best_index
