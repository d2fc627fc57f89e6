"""The search itself: keras-tuner's oracles choose the values, kt's own engine trains each trial.

A trial is a recipe run without a test set: `build_model` with the trial's config, trained by `Trainer.fit`
(or the recipe's own `train` hook) in the trial's folder, then scored once on the validation split. Trials
are resumable like runs: keras-tuner saves the oracle after each trial, and a trial cut off in the middle
resumes from its last epoch (the Trainer's backup in its folder).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
import typing
from pathlib import Path
from typing import Any

import keras
import keras_tuner

from kerastoolkit.config import from_dict, is_list_valued, parse_value, to_dict, value_text
from kerastoolkit.data.pipeline import evaluation_batches
from kerastoolkit.engine import model_builder, train_recipe
from kerastoolkit.errors import ConfigError, KtError, first_line, user_error
from kerastoolkit.fileio import write_json, write_text
from kerastoolkit.keras_fixes import keras_tuner_plain_output
from kerastoolkit.registry import RecipeInfo
from kerastoolkit.runs import Run, check_writable, new_folder
from kerastoolkit.scores import direction
from kerastoolkit.strategy import get_strategy
from kerastoolkit.tables import aligned, csv_text
from kerastoolkit.trainer import Trainer
from kerastoolkit.tuning.space import ALGORITHMS, Dimension

SPEC_FILE = "tune.json"


def hyperparameters(dimensions: list[Dimension]) -> keras_tuner.HyperParameters:
    space = keras_tuner.HyperParameters()
    for d in dimensions:
        if d.kind == "choice":  # keras-tuner's choices are scalars: a list is searched as its KEY=VALUE text
            choices = [value_text(c) if isinstance(c, tuple) else c for c in d.choices]
            space.Choice(d.name, choices, ordered=all(isinstance(c, int | float) for c in choices))
        elif d.kind == "int":
            space.Int(d.name, int(d.low), int(d.high), step=int(d.step) if d.step else None, sampling=_sampling(d))
        else:  # keras-tuner counts (high - low) // step steps: 0.2..0.5:step=0.1 would stop at 0.4 in floats
            high = d.high + d.step * 1e-9 if d.step else d.high
            space.Float(d.name, d.low, high, step=d.step, sampling=_sampling(d))
    return space


def _sampling(d: Dimension) -> str:
    return "log" if d.log else "linear"


def make_oracle(algorithm: str, spec: dict[str, Any], space: keras_tuner.HyperParameters, base: Any) -> Any:
    objective = keras_tuner.Objective(spec["objective"], spec["direction"])
    common = {"objective": objective, "hyperparameters": space, "seed": spec["seed"], "tune_new_entries": False}
    oracles = keras_tuner.oracles
    if algorithm == "hyperband":  # trials of 1..epochs epochs; --trials does not apply
        return oracles.HyperbandOracle(max_epochs=base.epochs, factor=3, **common)
    kind = {
        "grid": oracles.GridSearchOracle,
        "random": oracles.RandomSearchOracle,
        "bayesian": oracles.BayesianOptimizationOracle,
    }[algorithm]
    return kind(max_trials=spec["trials"], **common)


class TrialRefused(keras_tuner.errors.FatalError):
    """A trial whose hyperparameters kt refuses (values that cannot go together, a model too large for memory):
    it stops the search (keras-tuner lets a FatalError through) and `search` shows it as kt's one-line error."""

    def __init__(self, trial: Any, error: KtError):
        values = trial.hyperparameters.values  # a list-valued choice is its KEY=VALUE text here
        shown = " ".join(f"{k}={v}" for k, v in values.items() if not k.startswith("tuner/"))
        super().__init__(f"trial {trial.trial_id} ({shown}): {error}")


class RecipeTuner(keras_tuner.engine.base_tuner.BaseTuner):
    """A keras-tuner Tuner whose trials are kt runs of one recipe on data built once."""

    def __init__(self, recipe: RecipeInfo, base: Any, data: Any, seed: int, oracle: Any, folder: Path):
        self.recipe, self.base, self.data, self.seed = recipe, base, data, seed
        super().__init__(oracle, directory=str(folder.parent), project_name=folder.name, overwrite=False)

    def trial_config(self, values: dict[str, Any]) -> Any:
        hints = typing.get_type_hints(self.recipe.module.Config)
        searched = {
            k: parse_value(hints[k], v) if is_list_valued(hints[k]) else v
            for k, v in values.items()
            if not k.startswith("tuner/")
        }
        searched = {k: float(f"{v:.12g}") if isinstance(v, float) else v for k, v in searched.items()}  # 0.2 + 0.1
        epochs = values.get("tuner/epochs", searched.get("epochs", self.base.epochs))  # hyperband's, else searched
        return from_dict(self.recipe.module.Config, {**to_dict(self.base), **searched, "epochs": epochs})

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
        try:
            return self._scores(trial)
        except Exception as exc:  # keras-tuner would count it a failed trial and go on (or raise after three)
            error = user_error(exc)
            if error is None:
                raise
            raise TrialRefused(trial, error) from exc

    def _scores(self, trial: Any) -> dict[str, float]:
        config = self.trial_config(trial.hyperparameters.values)
        module = self.recipe.module
        keras.utils.set_random_seed(self.seed)
        build = model_builder(module, self.data)
        strategy = get_strategy("default")
        model = build(config)
        run = Run(Path(self.get_trial_dir(trial.trial_id)))
        trainer = Trainer(run, config, self.seed, strategy, build_model=build)
        model = train_recipe(self.recipe, model, self.data, config, trainer)
        scores = trainer.validate(model, self.data)
        run.remove_resume_state()  # a finished trial is scored; a search killed before keras-tuner records it redoes it
        return {f"val_{name}": value for name, value in scores.items()}

    def save_model(self, trial_id: str, model: Any, step: int = 0) -> None:  # the trial folder has its weights
        pass


def trial_rows(tuner: RecipeTuner, names: list[str], objective: str) -> list[dict[str, Any]]:
    """One row per finished trial: its number, objective and values, best first."""
    rows = []
    for trial in tuner.oracle.trials.values():
        score = trial.metrics.get_last_value(objective) if trial.metrics.exists(objective) else None
        if trial.status != "COMPLETED" or score is None:
            continue
        values = trial.hyperparameters.values
        row = {"trial": trial.trial_id, objective: float(score), **{n: values.get(n) for n in names}}
        if "tuner/epochs" in values:
            row["epochs"] = values["tuner/epochs"]
        rows.append(row)
    reverse = tuner.oracle.objective.direction == "max"
    return sorted(rows, key=lambda row: row[objective], reverse=reverse)


def write_results(tuner: RecipeTuner, spec: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """best.json, trials.csv and tuning.png in the tuning folder; the rows, best first."""
    names = [d["name"] for d in spec["space"]]
    rows = trial_rows(tuner, names, spec["objective"])
    if not rows:
        raise ConfigError(f"no trial of {folder} finished")
    best = tuner.oracle.get_best_trials(1)[0]
    config = tuner.trial_config(best.hyperparameters.values)
    write_json(folder / "best.json", to_dict(config))
    write_text(folder / "trials.csv", csv_text(rows))
    _plot(rows, names, spec["objective"], folder / "tuning.png", f"{spec['recipe']} ({folder.name})")
    return rows


def format_rows(rows: list[dict[str, Any]]) -> str:
    """The trials as an aligned text table, best first."""
    return aligned(rows, right=False)


def _plot(rows: list[dict[str, Any]], names: list[str], objective: str, path: Path, title: str) -> None:
    """The objective per trial (in the order they ran), then against each searched hyperparameter."""
    from kerastoolkit.report import pyplot, save_figure

    plt = pyplot()
    fig, axes = plt.subplots(1, 1 + len(names), figsize=(4 * (1 + len(names)), 3.5), squeeze=False)
    ordered = sorted(rows, key=lambda row: int(row["trial"]))
    axes[0][0].plot([int(r["trial"]) for r in ordered], [r[objective] for r in ordered], "o-")
    axes[0][0].set(xlabel="trial", ylabel=objective)
    for ax, name in zip(axes[0][1:], names, strict=True):
        values = [r[name] for r in rows]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        ax.scatter(values if numeric else [str(v) for v in values], [r[objective] for r in rows])
        ax.set(xlabel=name, ylabel=objective)
    fig.suptitle(title)
    save_figure(fig, path)


SPEC_KEYS = ("recipe", "algorithm", "trials", "objective", "direction", "seed", "space", "base")


def read_spec(folder: Path) -> dict[str, Any]:
    """The search a tuning folder holds (its tune.json); ConfigError when there is none or it is damaged."""
    try:
        spec = json.loads((folder / SPEC_FILE).read_text())
    except (OSError, ValueError):
        raise ConfigError(f"{folder} is not a kt tuning folder (no readable {SPEC_FILE})") from None
    if not isinstance(spec, dict) or any(key not in spec for key in SPEC_KEYS) or not _sane(spec):
        raise ConfigError(f"{folder / SPEC_FILE} is damaged (not the search kt tune wrote)")
    return spec


def _sane(spec: dict[str, Any]) -> bool:
    """Whether the settings of a tune.json are of the kinds kt tune writes (its space parses, its counts count)."""
    try:
        dimensions = dimensions_of(spec)
    except (TypeError, ValueError, AttributeError):
        return False
    counts = (spec["trials"], spec["seed"])
    return (
        bool(dimensions)
        and all(d.kind in ("choice", "int", "float") for d in dimensions)
        and all(d.choices for d in dimensions if d.kind == "choice")
        and isinstance(spec["objective"], str)
        and spec["objective"].startswith("val_")
        and spec["direction"] in ("min", "max")
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts)
        and spec["trials"] >= 1
        and spec["algorithm"] in ALGORITHMS
        and isinstance(spec["base"], dict)
    )


def dimensions_of(spec: dict[str, Any]) -> list[Dimension]:
    return [Dimension.from_dict(d) for d in spec["space"]]


def base_config(recipe: RecipeInfo, spec: dict[str, Any]) -> Any:
    """The hyperparameters every trial starts from; ConfigError naming tune.json when they do not load."""
    try:
        return from_dict(recipe.module.Config, spec["base"])
    except (ConfigError, TypeError, ValueError) as exc:
        raise ConfigError(f"{SPEC_FILE} is damaged: its base hyperparameters do not load ({first_line(exc)})") from None


def validation_score_names(recipe: RecipeInfo, base: Any, data: Any) -> list[str]:
    """The names of the scores a trial reports (val_ + the model's compiled loss and metrics), from one validation
    batch."""
    model = model_builder(recipe.module, data)(base)
    batch = evaluation_batches(data.validation, base.batch_size).take(1)
    return [f"val_{name}" for name in model.evaluate(batch, verbose=0, return_dict=True)]


def new_search(
    recipe: RecipeInfo,
    base: Any,
    dimensions: list[Dimension],
    *,
    algorithm: str,
    trials: int,
    objective: str | None,
    seed: int,
    runs_dir: str | Path,
    data_dir: str | Path | None,
) -> tuple[Path, dict[str, Any], Any]:
    """Check everything, build the data, then create the tuning folder with its tune.json."""
    if algorithm == "grid" and any(d.kind == "float" and d.step is None for d in dimensions):
        raise ConfigError("--algorithm grid needs a list of values or a range with :step=S for every float")
    if algorithm == "hyperband" and any(d.name == "epochs" for d in dimensions):
        raise ConfigError("--algorithm hyperband chooses each trial's epochs itself (up to epochs=N): do not search it")
    check_writable(runs_dir)
    base = from_dict(recipe.module.Config, to_dict(base))
    if objective is not None and not objective.startswith("val_"):
        raise ConfigError(f"the objective must be a validation score (val_...), never the test set: {objective!r}")
    if getattr(base, "validation_size", None) == 0:  # refused before the data is read
        raise ConfigError(
            f"{recipe.name} has no validation split here (validation_size=0), and kt tune scores trials on "
            "validation only; hold some out with validation_size=5000"
        )
    data = recipe.module.build_data(base, data_dir)
    if getattr(data, "validation", None) is None or not getattr(data, "num_validation", 0):
        raise ConfigError(f"{recipe.name} has no validation split here; kt tune scores trials on validation only")
    scores = validation_score_names(recipe, base, data)
    if objective is None:  # the recipe's metric where the model reports it (BLEU and per-task errors it does not)
        objective = next((s for s in (f"val_{recipe.metric_for(base)}", "val_loss") if s in scores), scores[0])
        print(f"objective: {objective} (--objective chooses another of {', '.join(scores)})", file=sys.stderr)
    elif objective not in scores:
        raise ConfigError(f"--objective {objective} is not a validation score of {recipe.name}: {', '.join(scores)}")
    spec = {
        "recipe": recipe.name,
        "algorithm": algorithm,
        "trials": trials,
        "objective": objective,
        "direction": direction(objective),
        "seed": seed,
        "space": [d.to_dict() for d in dimensions],
        "base": to_dict(base),
    }
    try:
        make_oracle(algorithm, spec, hyperparameters(dimensions), base)  # refused here, not inside the folder
    except (ImportError, ValueError) as exc:
        raise ConfigError(f"--algorithm {algorithm}: {exc}") from None
    folder = new_folder(Path(runs_dir), f"tune_{recipe.name}_{time.strftime('%Y%m%d-%H%M%S')}")
    write_json(folder / SPEC_FILE, spec)
    return folder, spec, data


def search(recipe: RecipeInfo, folder: Path, spec: dict[str, Any], data: Any) -> list[dict[str, Any]]:
    """Run (or continue) the search in `folder`; write its results; the trials, best first."""
    base = base_config(recipe, spec)
    space = hyperparameters(dimensions_of(spec))
    oracle = make_oracle(spec["algorithm"], spec, space, base)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # keras-tuner's "Reloading Tuner from ..."
            tuner = RecipeTuner(recipe, base, data, spec["seed"], oracle, folder)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError) as exc:  # keras-tuner's files
        raise ConfigError(
            f"{folder} is damaged: keras-tuner cannot read the search it saved ({first_line(exc)}); start a new search"
        ) from None
    keras_tuner_plain_output()
    try:
        tuner.search()
    except TrialRefused as exc:
        raise ConfigError(f"{exc}; the search stopped (start a new one without such values)") from None
    return write_results(tuner, spec, folder)
