"""Training stages: `Trainer.fit` trains one named stage of a run, resumable, recorded in history.csv.

Each stage backs up its state at every epoch end (`keras.callbacks.BackupAndRestore`), and a finished stage
saves its weights. A run started again with `--resume` skips finished stages, restores the unfinished one at
its last finished epoch, and replays the same shuffled batches (see `data.pipeline.training_epochs`).

A recipe whose Config declares distortions (`vision.config.AugmentConfig`) gets them in every stage's input
pipeline without a line of its own (`vision.augment`), seeded by the stage's seed, and `augmentation.png` in the
run folder: some training images and distorted versions of each.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from kerastoolkit.data.pipeline import evaluation_batches, training_epochs
from kerastoolkit.errors import RunDirError, first_line
from kerastoolkit.fileio import atomic_path
from kerastoolkit.resume import repair_backup
from kerastoolkit.runs import Run, recorded
from kerastoolkit.scores import direction
from kerastoolkit.vision.augment import distorter, draw_examples


def verbosity() -> int:
    """Keras's progress bar on a terminal, one line per epoch in logs and CI."""
    return 1 if sys.stdout.isatty() else 2


class HistoryRecorder(keras.callbacks.Callback):
    """Appends one row per epoch (stage, epoch, seconds, metrics) to the run's history.csv."""

    def __init__(self, run: Run, stage: str, first_epoch: int):
        super().__init__()
        self.run, self.stage = run, stage
        self._started = time.perf_counter()
        # Rows of this stage past the restored epoch belong to the crashed attempt: drop them.
        self.rows = [
            row for row in run.read_history() if not (row["stage"] == stage and int(row["epoch"]) > first_epoch)
        ]

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = round(time.perf_counter() - self._started, 3)
        values = {k: float(v) for k, v in (logs or {}).items() if k != "learning_rate"}
        self.rows.append({"stage": self.stage, "epoch": epoch + 1, "seconds": seconds, **values})
        self.run.write_history(self.rows)


def save_weights(model: keras.Model, path: Path) -> None:
    """The model's weights into `path`, atomically (a kill leaves the old file or the new one, whole)."""
    with atomic_path(path, suffix=".weights.h5") as tmp:
        model.save_weights(tmp)


class BestCheckpoint(keras.callbacks.Callback):
    """Saves the weights (atomically) whenever `monitor` improves on the best in history.csv: a lower
    validation loss, or a higher validation accuracy for `monitor="val_accuracy"` (`scores.direction`)."""

    def __init__(self, path: Path, history: list[dict[str, Any]], monitor: str = "val_loss"):
        super().__init__()
        self.path, self.monitor = path, monitor
        self.sign = -1.0 if direction(monitor) == "max" else 1.0  # compare sign * value: lower is better
        earlier = [self.sign * float(row[monitor]) for row in history if recorded(row, monitor)]
        self.best = min(earlier, default=float("inf"))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is not None and self.sign * float(value) < self.best:
            self.best = self.sign * float(value)
            save_weights(self.model, self.path)


class StageWeights(keras.callbacks.Callback):
    """Saves the stage's final weights (atomically) when training ends, before BackupAndRestore deletes its
    backup in its own `on_train_end`: a kill between the two finds one or the other, never neither."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def on_train_end(self, logs: dict | None = None) -> None:
        save_weights(self.model, self.path)


class EpochSeeds(keras.callbacks.Callback):
    """Sets every seed generator of the model (dropout's, masking noise's) at the start of each epoch to a state
    fixed by the stage seed, the generator's place in the model and the epoch.

    BackupAndRestore brings back the weights and the optimizer but not these states, so without this a resumed
    stage would draw other dropout masks than an uninterrupted one; with it, the two draw the same.
    """

    def __init__(self, seed: int):
        super().__init__()
        self.seed = seed

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        states = {id(v): v for v in self.model.variables if v.name == "seed_generator_state"}
        for place, state in enumerate(states.values()):
            # [key, counter]: the counter goes up by one per draw, so epochs 2**32 apart in it never overlap.
            state.assign(np.array([(self.seed * 10_007 + place) % 2**31, epoch * 2**32], np.int64))


def compiled_scores(model: keras.Model, examples: tf.data.Dataset, batch_size: int) -> dict[str, float]:
    """The model's compiled loss and metrics on `examples` (a validation or test split), one pass."""
    scores = model.evaluate(evaluation_batches(examples, batch_size), verbose=0, return_dict=True)
    return {k: float(v) for k, v in scores.items()}


def _check_rows_cover(rows: list[dict[str, Any]], stage: str, epochs: int, run: Run) -> None:
    """Refuse to resume a stage whose backup holds `epochs` epochs that history.csv has no rows for: each row is
    written before its epoch's backup, so the file was damaged or replaced, and the stage's curves and best
    epoch would be wrong."""
    recorded = {int(row["epoch"]) for row in rows if row["stage"] == stage}
    missing = sorted(set(range(1, epochs + 1)) - recorded)
    if missing:
        raise RunDirError(
            f"{run.history_file} has no row for epoch {missing[0]} of stage {stage}, which its backup holds;"
            f" delete {run.backup_dir / stage} to train the stage again, then resume"
        )


@dataclass
class Trainer:
    """What a recipe's training steps get: the run, its config and seed, `fit` for one stage, fresh models."""

    run: Run
    config: Any
    seed: int
    strategy: tf.distribute.Strategy
    verbose: int = field(default_factory=verbosity)
    extra_callbacks: list[keras.callbacks.Callback] = field(default_factory=list)  # for every stage
    build_model: Callable[[Any], keras.Model] | None = None  # the recipe's build_model, for fresh_model

    def fresh_model(self, index: int, build: Callable[[Any], keras.Model] | None = None) -> keras.Model:
        """A newly initialised model, seeded by (run seed, index): the members of a committee, repeated runs.

        `build(config)` makes it (default: the recipe's build_model); the same index gives the same initial
        weights in a resumed run.
        """
        build = build or self.build_model
        if build is None:
            raise ValueError("this Trainer was made without build_model")
        keras.utils.set_random_seed(self.seed * 1_000 + index)
        with self.strategy.scope():
            return build(self.config)

    def finished(self, stage: str) -> bool:
        """Whether an earlier attempt of this run finished `stage` (then `fit` only loads its weights)."""
        return self.run.stage_weights(stage).exists()

    def validate(self, model: keras.Model, data: Any) -> dict[str, float]:
        """The model's compiled metrics on the validation split (empty when there is none)."""
        if data.validation is None or not data.num_validation:
            return {}
        return compiled_scores(model, data.validation, self.config.batch_size)

    def fit(
        self,
        model: keras.Model,
        data: Any,
        *,
        stage: str = "train",
        epochs: int | None = None,
        callbacks: list[keras.callbacks.Callback] | None = None,
        seed: int | None = None,
        best_by: str = "val_loss",
    ) -> None:
        """Train `model` on `data.train` for one named stage; resume it if an earlier attempt was cut off.

        `seed` (default: the run's) sets the stage's shuffling and distortions: a committee member's own.
        `best_by` is the validation score whose best epoch's weights are kept as `run.best_weights(stage)`.
        """
        if self.finished(stage):  # by an earlier attempt of this run
            self._load_finished(model, stage)
            return
        epochs = epochs or self.config.epochs
        backup = self.run.backup_dir / stage
        first_epoch = repair_backup(backup)  # a backup a kill left half-written made whole first
        seed = self.seed if seed is None else seed
        augment = distorter(self.config)
        if augment is not None and not (self.run.path / "augmentation.png").exists():
            draw_examples(data.train, augment, self.run.path / "augmentation.png", seed)
        train, steps = training_epochs(
            data.train,
            num_examples=data.num_train,
            batch_size=self.config.batch_size,
            seed=seed,
            first_epoch=first_epoch,
            epochs=epochs,
            augment=augment,
        )
        history = HistoryRecorder(self.run, stage, first_epoch)
        _check_rows_cover(history.rows, stage, first_epoch, self.run)
        validation, checkpoint = None, []
        if data.validation is not None and data.num_validation:
            validation = evaluation_batches(data.validation, self.config.batch_size)
            own_rows = [row for row in history.rows if row["stage"] == stage]
            checkpoint = [BestCheckpoint(self.run.best_weights(stage), own_rows, best_by)]
        model.fit(
            train,
            epochs=epochs,
            steps_per_epoch=steps,
            validation_data=validation,
            verbose=self.verbose,
            shuffle=False,  # training_epochs already shuffled, per epoch
            callbacks=[  # an epoch's history row and best weights are written before its backup: a run killed
                # between them redoes the epoch on resume (its row is dropped) instead of losing the row
                EpochSeeds(seed),
                history,
                *checkpoint,
                StageWeights(self.run.stage_weights(stage)),
                keras.callbacks.BackupAndRestore(str(backup), double_checkpoint=True),
                keras.callbacks.TensorBoard(str(self.run.logs_dir / stage), write_graph=False),
                *(callbacks or []),
                *self.extra_callbacks,
            ],
        )

    def _load_finished(self, model: keras.Model, stage: str) -> None:
        """Load the weights (and optimizer state) a finished `stage` left, refusing a damaged file in one line."""
        weights = self.run.stage_weights(stage)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and not optimizer.built:  # the file holds its variables: build them to load
            with self.strategy.scope():  # beside the model's variables (mirrored ones under mirrored)
                optimizer.build(model.trainable_variables)
        try:
            model.load_weights(weights)
        except (OSError, ValueError) as exc:  # h5py and keras on a truncated or foreign file
            raise RunDirError(
                f"{weights} is damaged ({first_line(exc)}); delete it to train stage {stage} again, then resume"
            ) from None
