"""Run folders: one folder per run, `saved_models/RECIPE/YYYYmmdd-HHMMSS/`, every file written atomically.

config.json    recipe, seed, strategy, replicas, learning rate used and every hyperparameter (written first)
history.csv    one row per epoch and stage
backup/        BackupAndRestore state while training (removed once the run is complete)
stages/        the weights of each finished training stage, for resume (removed once the run is complete)
best-STAGE.weights.h5   the weights with the lowest validation loss in that stage
model.keras    the trained model
metrics.json   test scores, published target, wall time, versions (written last: it marks a complete run)
NAME.json      assets the model needs to answer raw inputs (e.g. vocabulary.json), from the recipe's data
NAME.csv       a recipe's breakdown of its test scores (e.g. per_task.csv)
curves.png  confusion.png  logs/ (TensorBoard), and whatever pictures the recipe's `report` hook draws

How a stopped run goes on from backup/ and stages/ is `kerastoolkit.resume`'s.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kerastoolkit.config import from_dict
from kerastoolkit.errors import ConfigError, RunDirError
from kerastoolkit.fileio import read_json, unwritable_reason, write_json, write_text
from kerastoolkit.tables import csv_text

DEFAULT_RUNS_DIR = "saved_models"


@dataclass(frozen=True)
class Run:
    """A run folder and the names of the files in it."""

    path: Path

    config_file = property(lambda self: self.path / "config.json")
    history_file = property(lambda self: self.path / "history.csv")
    metrics_file = property(lambda self: self.path / "metrics.json")
    model_file = property(lambda self: self.path / "model.keras")
    backup_dir = property(lambda self: self.path / "backup")
    stages_dir = property(lambda self: self.path / "stages")
    logs_dir = property(lambda self: self.path / "logs")

    @property
    def recipe(self) -> str:
        return self.read_config()["recipe"]

    @property
    def is_complete(self) -> bool:
        return self.metrics_file.exists()

    def read_config(self) -> dict[str, Any]:
        return read_json(self.config_file)

    @property
    def has_readable_config(self) -> bool:
        """Whether config.json reads as a run's: a JSON object with the recipe, seed and hyperparameters."""
        try:
            return _is_run_config(self.read_config())
        except (OSError, ValueError):
            return False

    def missing_model(self) -> RunDirError:
        """The error for a run folder without model.keras: a run that did not finish, or one whose file was removed."""
        if self.is_complete:
            return RunDirError(f"{self.path} has no model.keras (the run finished, but the file was removed or moved)")
        return RunDirError(
            f"{self.path} has no model.keras (the run did not finish; kt run recipe {self.recipe} --resume {self.path}"
            " goes on with it)"
        )

    def remove_resume_state(self) -> None:
        """Remove backup/ and stages/, which only a run that has not finished needs."""
        for resume_state in (self.backup_dir, self.stages_dir):
            shutil.rmtree(resume_state, ignore_errors=True)

    def read_metrics(self) -> dict[str, Any]:
        return read_json(self.metrics_file)

    def saved_config(self, config_class: type) -> Any:
        """The Config the run started with, from config.json; RunDirError when the file no longer fits it."""
        try:
            return from_dict(config_class, self.read_config()["hyperparameters"])
        except ConfigError as exc:
            raise RunDirError(f"{self.config_file} is damaged: {exc}") from None

    def best_weights(self, stage: str) -> Path:
        return self.path / f"best-{stage}.weights.h5"

    def stage_weights(self, stage: str) -> Path:
        return self.stages_dir / f"{stage}.weights.h5"

    # Assets: what a model needs beside its weights to answer raw inputs (a vocabulary), as NAME.json.
    def asset_file(self, name: str) -> Path:
        return self.path / f"{name}.json"

    def write_asset(self, name: str, value: Any) -> None:
        write_json(self.asset_file(name), value)

    def read_asset(self, name: str) -> Any:
        path = self.asset_file(name)
        try:
            return read_json(path)
        except FileNotFoundError:
            raise RunDirError(f"{self.path} has no {path.name}, which this recipe needs") from None
        except ValueError:
            raise RunDirError(f"{path} is damaged (not JSON)") from None

    # history.csv: rewritten whole at each epoch end (it is small), so it is never half-written.
    def read_history(self) -> list[dict[str, str]]:
        if not self.history_file.exists():
            return []
        with self.history_file.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def write_history(self, rows: list[dict[str, Any]]) -> None:
        write_text(self.history_file, csv_text(rows))


def recorded(row: dict[str, Any], column: str) -> bool:
    """Whether a history.csv row holds a value in `column` (an epoch that had no such score leaves it empty)."""
    return row.get(column) not in (None, "")


def _unwritable(runs_dir: str | os.PathLike, reason: str) -> RunDirError:
    return RunDirError(f"cannot write the runs folder {runs_dir}: {reason}; choose another with --runs-dir")


def check_writable(runs_dir: str | os.PathLike) -> None:
    """Fail early (before data is prepared) when run folders cannot be made under runs_dir; creates nothing."""
    reason = unwritable_reason(runs_dir)
    if reason:
        raise _unwritable(runs_dir, reason)


def new_folder(parent: Path, name: str) -> Path:
    """A new, empty folder parent/name (parent made if missing), or parent/name-1, -2... where that exists: two
    runs started in the same second get folders of their own. RunDirError when parent cannot be written."""
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(1000):
            path = parent / (name if attempt == 0 else f"{name}-{attempt}")
            try:
                path.mkdir()
                return path
            except FileExistsError:
                continue
    except OSError as exc:
        raise _unwritable(parent, exc.strerror or str(exc)) from None
    raise _unwritable(parent, f"1000 folders named {name} already")


def create_run(runs_dir: str | os.PathLike, recipe: str, config: dict[str, Any]) -> Run:
    """Make a new, empty run folder under runs_dir/recipe/ and write its config.json."""
    run = Run(new_folder(Path(runs_dir) / recipe, time.strftime("%Y%m%d-%H%M%S")))
    try:
        write_json(run.config_file, config)
    except OSError as exc:
        raise _unwritable(runs_dir, exc.strerror or str(exc)) from None
    return run


def _is_run_config(saved: Any) -> bool:
    return (
        isinstance(saved, dict)
        and isinstance(saved.get("recipe"), str)
        and isinstance(saved.get("seed"), int)
        and isinstance(saved.get("hyperparameters"), dict)
    )


def open_run(path: str | os.PathLike) -> Run:
    """An existing run folder; RunDirError if it holds no run."""
    if not str(path).strip():  # Path("") is the current folder
        raise RunDirError("an empty path names no run folder")
    run = Run(Path(path))
    if not run.path.is_dir():
        raise RunDirError(f"{path} is not a folder")
    if not run.config_file.exists():
        raise RunDirError(f"{path} holds no run (no config.json)")
    if not run.has_readable_config:
        raise RunDirError(f"{path} holds no run (its config.json is unreadable or damaged)")
    return run


def open_unfinished_run(path: str | os.PathLike, recipe: str) -> Run:
    """The run folder of `recipe` at `path` that `--resume` can continue; RunDirError if there is none."""
    run = open_run(path)
    started_by = run.recipe
    if started_by != recipe:
        raise RunDirError(f"{path} is a run of {started_by}, not {recipe}")
    if run.is_complete:
        run.remove_resume_state()  # left behind if the run was killed just after writing metrics.json
        raise RunDirError(f"{path} is already complete; see its metrics.json")
    _check_history(run)
    return run


def _check_history(run: Run) -> None:
    """Resuming reads history.csv: refuse one with a row cut short or without a stage, an epoch or its seconds."""
    try:
        rows = run.read_history()
        # csv.DictReader marks a row longer than the header with a None key, a shorter one with None values
        readable = all(
            None not in row
            and None not in row.values()
            and row["stage"]
            and int(row["epoch"]) > 0
            and float(row["seconds"]) >= 0
            for row in rows
        )
    except (OSError, ValueError, KeyError, TypeError):
        readable = False
    if not readable:
        raise RunDirError(f"{run.history_file} is damaged; the run cannot be resumed")


def find_runs(runs_dir: str | os.PathLike) -> list[Run]:
    """Every run folder under runs_dir, oldest first."""
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    found = [Run(p.parent) for p in root.glob("*/*/config.json")]
    return sorted(found, key=lambda run: (run.path.name, run.path.parent.name))
