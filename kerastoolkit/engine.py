"""The training engine: seeds, strategy scope, training stages with resume, evaluation, the run's files.

A recipe supplies `Config`, `build_data(config, data_dir)` and `build_model(config)` (compiled), and may
supply `callbacks(config)` (e.g. a learning-rate schedule) for its training. Plain recipes train with one
`fit` stage; a recipe that needs more (layer-wise pretraining, a committee) defines
`train(model, data, config, trainer)` and calls `trainer.fit(..., stage=NAME)` once per stage.

Resume: each stage backs up its state at every epoch end (`keras.callbacks.BackupAndRestore`), and a finished
stage saves its weights. A run started again with `--resume` skips finished stages, restores the unfinished
one at its last finished epoch, and replays the same shuffled batches (see `data.pipeline.training_epochs`).
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from kerastoolkit import __version__, report
from kerastoolkit.config import from_dict, to_dict
from kerastoolkit.data.pipeline import evaluation_batches, training_epochs
from kerastoolkit.errors import ConfigError, RunDirError
from kerastoolkit.fileio import atomic_path, write_json
from kerastoolkit.registry import RecipeInfo
from kerastoolkit.runs import Run, check_writable, create_run, open_run, open_unfinished_run

STRATEGIES = ("default", "mirrored")


def get_strategy(name: str = "default") -> tf.distribute.Strategy:
    """`default` (one device) or `mirrored` (data-parallel over every local GPU; needs two or more).

    Mirrored over a single device gains nothing, and on the CPU (TF 2.21, Keras 3) its evaluation loop was seen
    to drop batches at random, so kt refuses it there rather than report wrong validation and test scores.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        if len(gpus) < 2:
            raise ConfigError(
                f"--strategy mirrored spreads training over several GPUs, and this machine has {len(gpus)}; "
                "use the default strategy"
            )
        return tf.distribute.MirroredStrategy()
    raise ConfigError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")


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


class BestCheckpoint(keras.callbacks.Callback):
    """Saves the weights (atomically) whenever validation loss improves on the best in history.csv."""

    def __init__(self, path: Path, history: list[dict[str, Any]]):
        super().__init__()
        self.path = path
        earlier = [float(row["val_loss"]) for row in history if row.get("val_loss") not in (None, "")]
        self.best = min(earlier, default=float("inf"))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("val_loss")
        if loss is not None and float(loss) < self.best:
            self.best = float(loss)
            with atomic_path(self.path, suffix=".weights.h5") as tmp:
                self.model.save_weights(tmp)


def _restored_epoch(backup_dir: Path) -> int:
    """The number of epochs a stage's backup holds (0 when there is none)."""
    metadata = backup_dir / "training_metadata.json"
    return json.loads(metadata.read_text())["epoch"] if metadata.exists() else 0


@dataclass
class Trainer:
    """What a recipe's training steps get: the run, its config and seed, and `fit` for one stage."""

    run: Run
    config: Any
    seed: int
    strategy: tf.distribute.Strategy
    verbose: int = field(default_factory=verbosity)
    extra_callbacks: list[keras.callbacks.Callback] = field(default_factory=list)  # for every stage

    def fit(
        self,
        model: keras.Model,
        data: Any,
        *,
        stage: str = "train",
        epochs: int | None = None,
        callbacks: list[keras.callbacks.Callback] | None = None,
    ) -> None:
        """Train `model` on `data.train` for one named stage; resume it if an earlier attempt was cut off."""
        weights = self.run.stage_weights(stage)
        if weights.exists():  # finished by an earlier attempt of this run
            model.load_weights(weights)
            return
        epochs = epochs or self.config.epochs
        backup = self.run.backup_dir / stage
        first_epoch = _restored_epoch(backup)
        train, steps = training_epochs(
            data.train,
            num_examples=data.num_train,
            batch_size=self.config.batch_size,
            seed=self.seed,
            first_epoch=first_epoch,
            epochs=epochs,
        )
        history = HistoryRecorder(self.run, stage, first_epoch)
        validation, checkpoint = None, []
        if data.validation is not None and data.num_validation:
            validation = evaluation_batches(data.validation, self.config.batch_size)
            own_rows = [row for row in history.rows if row["stage"] == stage]
            checkpoint = [BestCheckpoint(self.run.best_weights(stage), own_rows)]
        model.fit(
            train,
            epochs=epochs,
            steps_per_epoch=steps,
            validation_data=validation,
            verbose=self.verbose,
            shuffle=False,  # training_epochs already shuffled, per epoch
            callbacks=[
                keras.callbacks.BackupAndRestore(str(backup), double_checkpoint=True),
                history,
                *checkpoint,
                keras.callbacks.TensorBoard(str(self.run.logs_dir / stage), write_graph=False),
                *(callbacks or []),
                *self.extra_callbacks,
            ],
        )
        with atomic_path(weights, suffix=".weights.h5") as tmp:
            model.save_weights(tmp)


@dataclass
class RunResult:
    run: Run
    scores: dict[str, float]
    metric: str
    seconds: float
    summary: str


def _versions() -> dict[str, str]:
    return {
        "kerastoolkit": __version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def evaluate(model: keras.Model, data: Any, batch_size: int) -> dict[str, float]:
    """The model's compiled metrics on the test set, scored once."""
    scores = model.evaluate(evaluation_batches(data.test, batch_size), verbose=0, return_dict=True)
    return {k: float(v) for k, v in scores.items()}


def _plot_confusion(model: keras.Model, data: Any, run: Run, batch_size: int, title: str) -> None:
    test = evaluation_batches(data.test, batch_size)
    predictions = np.argmax(model.predict(test, verbose=0), axis=-1)
    labels = np.concatenate([y.numpy() for _, y in test])
    matrix = report.confusion_matrix(labels, predictions, len(data.class_names))
    report.plot_confusion(matrix, data.class_names, run.path / "confusion.png", title)


def _prepare(recipe: RecipeInfo, config: Any, seed: int, resume: str | Path | None) -> tuple[Any, int, Run | None]:
    if resume is None:
        return config, seed, None
    run = open_unfinished_run(resume, recipe.name)
    saved = run.read_config()
    return from_dict(recipe.config_class, saved["hyperparameters"]), int(saved["seed"]), run


def run_recipe(
    recipe: RecipeInfo,
    config: Any,
    *,
    runs_dir: str | Path = "saved_models",
    data_dir: str | Path | None = None,
    seed: int = 0,
    resume: str | Path | None = None,
    strategy: str = "default",
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> RunResult:
    """Train, test and save one run of `recipe`; with `resume`, continue the run in that folder."""
    started = time.perf_counter()
    config, seed, run = _prepare(recipe, config, seed, resume)
    module = recipe.module
    config = from_dict(module.Config, to_dict(config))  # the module's own Config, from a light one (registry)
    distribution = get_strategy(strategy)  # refused before anything is written
    keras.utils.set_random_seed(seed)
    if run is None:
        check_writable(runs_dir)
    data = module.build_data(config, data_dir)  # before the run folder exists: bad data leaves no folder
    if run is None:
        settings = {"recipe": recipe.name, "seed": seed, "strategy": strategy, "hyperparameters": to_dict(config)}
        run = create_run(runs_dir, recipe.name, settings)
    keras.utils.set_random_seed(seed)  # again: preparing a dataset on first use draws random numbers
    with distribution.scope():
        model = module.build_model(config)
    trainer = Trainer(run, config, seed, distribution, extra_callbacks=list(callbacks or []))
    if hasattr(module, "train"):
        module.train(model, data, config, trainer)
    else:
        trainer.fit(model, data, callbacks=module.callbacks(config) if hasattr(module, "callbacks") else None)
    return finish_run(recipe, run, model, data, config, seed, started)


def finish_run(
    recipe: RecipeInfo, run: Run, model: keras.Model, data: Any, config: Any, seed: int, started: float
) -> RunResult:
    """Score the test set once, then write plots, model.keras and (last) metrics.json."""
    scores = evaluate(model, data, config.batch_size)
    published = recipe.published
    metric = published.metric if published else "loss"
    title = f"{recipe.name}  ({run.path.name})"
    history = run.read_history()
    report.plot_curves(history, run.path / "curves.png", title)
    if getattr(data, "class_names", None):
        _plot_confusion(model, data, run, config.batch_size, title)
    with atomic_path(run.model_file) as tmp:
        model.save(tmp)
    seconds = time.perf_counter() - started
    train_seconds = sum(float(row["seconds"]) for row in history)
    score = scores[metric]
    write_json(
        run.metrics_file,
        {
            "recipe": recipe.name,
            "seed": seed,
            "test": scores,
            "metric": metric,
            "published": None if published is None else {**published.__dict__, "reached": published.reached(score)},
            "wall_time_s": round(seconds, 1),
            "train_time_s": round(train_seconds, 1),
            "epochs": len(history),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "versions": _versions(),
        },
    )
    for resume_state in (run.backup_dir, run.stages_dir):
        shutil.rmtree(resume_state, ignore_errors=True)
    line = report.summary_line(recipe.name, metric, score, published, seconds, f"{run.path}/")
    return RunResult(run, scores, metric, seconds, line)


def _load_model(path: Path) -> keras.Model:
    """A run's saved model; RunDirError when model.keras is damaged (not a zip, truncated, not a Keras model)."""
    if not zipfile.is_zipfile(path):  # keras would say "File not found" of a file that is there
        raise RunDirError(f"{path} is damaged: it is not a complete zip archive; train the run again")
    try:
        return keras.models.load_model(path)
    except Exception as exc:  # zipfile, h5py, json and keras raise errors of every kind for a damaged file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RunDirError(f"{path} is damaged or not a Keras model ({reason}); train the run again") from None


def evaluate_run(run_dir: str | Path, recipe: RecipeInfo, data_dir: str | Path | None = None) -> RunResult:
    """Load a run's model.keras and score it again on the test set."""
    started = time.perf_counter()
    run = open_run(run_dir)
    if not run.model_file.exists():
        raise RunDirError(f"{run_dir} has no model.keras (the run did not finish)")
    saved = run.read_config()
    config = from_dict(recipe.config_class, saved["hyperparameters"])
    model = _load_model(run.model_file)
    data = recipe.module.build_data(config, data_dir)
    scores = evaluate(model, data, config.batch_size)
    metric = recipe.published.metric if recipe.published else "loss"
    seconds = time.perf_counter() - started
    line = report.summary_line(recipe.name, metric, scores[metric], recipe.published, seconds, f"{run.path}/")
    return RunResult(run, scores, metric, seconds, line)
