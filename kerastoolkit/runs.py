"""Run folders: one folder per run, `saved_models/RECIPE/YYYYmmdd-HHMMSS/`, every file written atomically.

config.json    recipe, seed and every hyperparameter as run (written first)
history.csv    one row per epoch and stage
backup/        BackupAndRestore state while training (removed once the run is complete)
stages/        the weights of each finished training stage, for resume (removed once the run is complete)
best-STAGE.weights.h5   the weights with the lowest validation loss in that stage
model.keras    the trained model
metrics.json   test scores, published target, wall time, versions (written last: it marks a complete run)
NAME.json      assets the model needs to answer raw inputs (e.g. vocabulary.json), from the recipe's data
NAME.csv       a recipe's breakdown of its test scores (e.g. per_task.csv)
curves.png  confusion.png  logs/ (TensorBoard), and whatever pictures the recipe's `report` hook draws
"""

from __future__ import annotations

import csv
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kerastoolkit.errors import RunDirError
from kerastoolkit.fileio import read_json, write_json, write_text

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

    def read_metrics(self) -> dict[str, Any]:
        return read_json(self.metrics_file)

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
        columns: list[str] = []
        for row in rows:
            columns += [key for key in row if key not in columns]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        write_text(self.history_file, buffer.getvalue())


def _unwritable(runs_dir: str | os.PathLike, exc: OSError) -> RunDirError:
    return RunDirError(
        f"cannot write the runs folder {runs_dir}: {exc.strerror or exc}; choose another with --runs-dir"
    )


def check_writable(runs_dir: str | os.PathLike) -> None:
    """Fail early (before data is prepared) when run folders cannot be made under runs_dir."""
    try:
        Path(runs_dir).mkdir(parents=True, exist_ok=True)
        if not os.access(runs_dir, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        raise _unwritable(runs_dir, exc) from None


def create_run(runs_dir: str | os.PathLike, recipe: str, config: dict[str, Any]) -> Run:
    """Make a new, empty run folder under runs_dir/recipe/ and write its config.json."""
    parent = Path(runs_dir) / recipe
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for attempt in range(1000):
            path = parent / (stamp if attempt == 0 else f"{stamp}-{attempt}")
            try:
                path.mkdir()
                break
            except FileExistsError:
                continue
        run = Run(path)
        write_json(run.config_file, config)
    except OSError as exc:
        raise _unwritable(runs_dir, exc) from None
    return run


def open_run(path: str | os.PathLike) -> Run:
    """An existing run folder; RunDirError if it holds no run."""
    run = Run(Path(path))
    if not run.path.is_dir():
        raise RunDirError(f"{path} is not a folder")
    if not run.config_file.exists():
        raise RunDirError(f"{path} holds no run (no config.json)")
    try:
        run.read_config()["recipe"]
    except (ValueError, KeyError):
        raise RunDirError(f"{path} holds no run (its config.json is unreadable)") from None
    return run


def find_runs(runs_dir: str | os.PathLike) -> list[Run]:
    """Every run folder under runs_dir, oldest first."""
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    found = [Run(p.parent) for p in root.glob("*/*/config.json")]
    return sorted(found, key=lambda run: (run.path.name, run.path.parent.name))
