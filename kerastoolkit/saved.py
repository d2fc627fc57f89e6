"""A finished run folder, loaded to answer new inputs or to be scored again.

`SavedRun` gives the recipe's `predict` hook what it needs and nothing more: the hyperparameters as run, the
model (from model.keras, loaded with Keras's `safe_mode` on: custom layers are registered serializables) and
the run's assets (`vocabulary.json`...). It never needs the training data.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kerastoolkit.errors import RunDirError, first_line
from kerastoolkit.registry import RecipeInfo, get_recipe
from kerastoolkit.runs import Run, open_run


def load_model(run: Run) -> Any:
    """The run's model.keras (Keras's `safe_mode` on); RunDirError when it is missing or damaged."""
    import keras

    import kerastoolkit.serializables  # noqa: F401  (registers the custom objects model.keras files may name)

    path = run.model_file
    if not path.exists():
        raise run.missing_model()
    if not zipfile.is_zipfile(path):  # keras would say "File not found" of a file that is there
        raise RunDirError(f"{path} is damaged: it is not a complete zip archive; train the run again")
    try:
        return keras.models.load_model(path, safe_mode=True)
    except Exception as exc:  # zipfile, h5py, json and keras raise errors of every kind for a damaged file
        raise RunDirError(f"{path} is damaged or not a Keras model ({first_line(exc)}); train the run again") from None


def misfit(model_file: Path, exc: Exception) -> RunDirError:
    """The error for a model.keras that fails on its own run's data: a model of another recipe (or another
    vocabulary) put in the folder, say."""
    return RunDirError(f"{model_file} does not take this run's data ({first_line(exc)}); is it the run's own model?")


@dataclass
class SavedRun:
    """A finished run opened for use (`open_saved_run(folder)`): its recipe, hyperparameters, model (loaded on first
    use, safe_mode on) and the assets it saved from its data (vocabularies, character sets)."""

    run: Run
    recipe: RecipeInfo
    config: Any

    @property
    def path(self) -> Path:
        return self.run.path

    @cached_property
    def model(self) -> Any:
        return load_model(self.run)

    def asset(self, name: str, parse: Callable[[Any], Any] | None = None) -> Any:
        """An asset the run saved from its data (e.g. `asset("vocabulary")`): its JSON values, or what
        `parse(values)` makes of them (`Vocabulary.from_json`). RunDirError when it is missing or damaged (not
        JSON, or JSON that `parse` refuses with a ValueError, KeyError or TypeError)."""
        values = self.run.read_asset(name)
        if parse is None:
            return values
        try:
            return parse(values)
        except (ValueError, KeyError, TypeError) as exc:
            raise RunDirError(f"{self.run.asset_file(name)} is damaged ({first_line(exc)})") from None


def require_finished(run: Run, run_dir: str | os.PathLike) -> Run:
    """`run`; RunDirError naming `run_dir` (as the user gave it) unless the run finished (has metrics.json)."""
    if not run.is_complete:
        raise RunDirError(
            f"{run_dir} is not a finished run (no metrics.json); finish it with kt run recipe {run.recipe} --resume"
            f" {run_dir}"
        )
    return run


def open_saved_run(run_dir: str | os.PathLike) -> SavedRun:
    """A complete run folder with its recipe and config; RunDirError when it holds no finished run."""
    run = require_finished(open_run(run_dir), run_dir)
    recipe = get_recipe(run.recipe)
    return SavedRun(run, recipe, run.saved_config(recipe.module.Config))
