"""The training engine: seeds, strategy scope, training, scoring once on the test set, the run's files.

A recipe supplies `Config`, `build_data(config, data_dir)` (a `data.Splits`) and `build_model(config)`
(compiled; `build_model(config, data)` when the model's shape depends on the data). Optional hooks give a
recipe what "compile, fit, accuracy" does not:

- `callbacks(config)`: extra Keras callbacks for its one plain `fit` stage (e.g. a learning-rate schedule).
- `train(model, data, config, trainer)`: its own training in named stages (`trainer.fit(..., stage=NAME)`:
  layer-wise pretraining, linear start, committee members; `trainer.fresh_model(i)` for more models). It may
  return the model to keep (the best of several, a committee); by default the one it was given.
- `evaluate(model, data, config) -> Evaluation`: its own test scores (error per task, BLEU, bits per
  character) and a breakdown table; without it, the compiled metrics are the scores.
- `published(config) -> Published`: a target that depends on the hyperparameters (default: `PUBLISHED`).
- `metric(config) -> str`: the score's name where it depends on the hyperparameters and no target applies.
- `report(model, data, config, evaluation, folder)`: pictures of its own in the run folder.
- `predict(saved_run, **options)`: answers new inputs behind `kt predict` (see `kerastoolkit.saved`). A recipe
  that also sets `TRANSLATES = True` translates: `kt translate RUN_DIR SENTENCE...` calls the same hook.

A recipe whose inputs are images with pixels in [0, 1] says so with `IMAGE_SHAPE` (`(28, 28, 1)` for MNIST); its
model may take them as images or flat, and `kt visualize` draws what such a net has learnt (`kerastoolkit.inside`).

What a run's data needs to answer raw inputs later (`Splits.assets`, e.g. a vocabulary) is written into the run
folder before training starts.
"""

from __future__ import annotations

import dataclasses
import inspect
import platform
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from kerastoolkit import __version__, report
from kerastoolkit.config import from_dict, to_dict
from kerastoolkit.data.pipeline import evaluation_batches
from kerastoolkit.errors import KtError, RunDirError, is_out_of_memory, out_of_memory
from kerastoolkit.evaluation import Evaluation, format_table, write_breakdown
from kerastoolkit.fileio import atomic_path, write_json
from kerastoolkit.registry import Published, RecipeInfo, get_recipe
from kerastoolkit.runs import Run, check_writable, create_run, open_run, open_unfinished_run
from kerastoolkit.saved import load_model, misfit
from kerastoolkit.strategy import STRATEGIES, get_strategy, is_chief, num_replicas
from kerastoolkit.trainer import Trainer, compiled_scores

__all__ = ["STRATEGIES", "RunResult", "Trainer", "evaluate_run", "finish_run", "get_strategy", "run_recipe"]


@dataclass
class RunResult:
    """What `run_recipe` and `evaluate_run` give back: the run folder, the scores (`scores`, and the breakdown in
    `evaluation`), the metric the summary line reports, the seconds it took and that summary line."""

    run: Run
    evaluation: Evaluation
    metric: str
    seconds: float
    summary: str
    chief: bool = True  # False on a worker of a cluster other than the chief: its run folder is gone

    @property
    def scores(self) -> dict[str, float]:
        return self.evaluation.scores


def _versions() -> dict[str, str]:
    return {
        "kerastoolkit": __version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def compiled_evaluation(model: keras.Model, data: Any, batch_size: int) -> Evaluation:
    """The model's compiled metrics on the test set, scored once."""
    return Evaluation(compiled_scores(model, data.test, batch_size))


def evaluate_model(recipe: RecipeInfo, model: keras.Model, data: Any, config: Any) -> Evaluation:
    """The recipe's own `evaluate` hook, else its compiled metrics, on the test set."""
    if recipe.has_hook("evaluate"):
        return recipe.module.evaluate(model, data, config)
    return compiled_evaluation(model, data, config.batch_size)


def _test_classes(
    model: keras.Model, data: Any, evaluation: Evaluation, batch_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The true and the predicted class of every test example: the evaluation's where its scoring kept them, else
    the model's predictions."""
    if evaluation.test_predictions is not None:
        return evaluation.test_labels, evaluation.test_predictions
    test = evaluation_batches(data.test, batch_size)
    predictions = np.argmax(model.predict(test, verbose=0), axis=-1)
    return np.concatenate([y.numpy() for _, y in test]), predictions


def _plot_confusion(
    model: keras.Model, data: Any, evaluation: Evaluation, run: Run, batch_size: int, title: str
) -> None:
    labels, predictions = _test_classes(model, data, evaluation, batch_size)
    matrix = report.confusion_matrix(labels, predictions, len(data.class_names))
    report.plot_confusion(matrix, data.class_names, run.path / "confusion.png", title)


def model_builder(module: Any, data: Any) -> Callable[[Any], keras.Model]:
    """`config -> model` from the recipe's `build_model(config)`, or `build_model(config, data)` when the
    model's shape depends on the data (a vocabulary's size, the longest sentence)."""
    positional = [
        p
        for p in inspect.signature(module.build_model).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) >= 2:
        return lambda config: module.build_model(config, data)
    return module.build_model


def _prepare(recipe: RecipeInfo, config: Any, seed: int, resume: str | Path | None) -> tuple[Any, int, Run | None]:
    if resume is None:
        return config, seed, None
    run = open_unfinished_run(resume, recipe.name)
    return run.saved_config(recipe.config_class), int(run.read_config()["seed"]), run


def scaled_learning_rate(module: Any, config: Any) -> Any:
    """`config` with its learning rate scaled linearly with the global batch, where the recipe says so.

    A recipe whose module sets `LEARNING_RATE_BATCH = B` gives its learning rate for batches of B; a run with
    `batch_size` N (global, over every replica) then trains with learning_rate * N / B (Goyal et al. 2017).
    Without it the learning rate is used as given, whatever the batch and the number of replicas.
    """
    reference = getattr(module, "LEARNING_RATE_BATCH", None)
    if not reference or config.batch_size == reference:
        return config
    return dataclasses.replace(config, learning_rate=config.learning_rate * config.batch_size / reference)


def run_recipe(
    recipe: RecipeInfo | str,
    config: Any,
    *,
    runs_dir: str | Path = "saved_models",
    data_dir: str | Path | None = None,
    seed: int = 0,
    resume: str | Path | None = None,
    strategy: str = "default",
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> RunResult:
    """Train, test and save one run of `recipe` (a RecipeInfo or a name); with `resume`, continue the run in that
    folder."""
    recipe = get_recipe(recipe)
    started = time.perf_counter()
    config, seed, run = _prepare(recipe, config, seed, resume)
    module = recipe.module
    config = from_dict(module.Config, to_dict(config))  # the module's own Config, from a light one (registry)
    distribution = get_strategy(strategy)  # refused before anything is written
    chief, replicas = is_chief(distribution), num_replicas(distribution)
    keras.utils.set_random_seed(seed)
    if run is None and chief:
        check_writable(runs_dir)
    data = module.build_data(config, data_dir)  # before the run folder exists: bad data leaves no folder
    build = model_builder(module, data)
    training_config = scaled_learning_rate(module, config)
    keras.utils.set_random_seed(seed)  # again: preparing a dataset on first use draws random numbers
    with distribution.scope():
        model = build(training_config)  # before the run folder too: a model too large for memory leaves no folder
    # Another worker of a cluster runs the same steps (they are collective) in a folder of its own, deleted at the end.
    worker_root = None if chief else Path(tempfile.mkdtemp(prefix="kt-worker-"))
    if run is None or worker_root is not None:
        settings = {
            "recipe": recipe.name,
            "seed": seed,
            "strategy": strategy,
            "replicas": replicas,
            "learning_rate_used": training_config.learning_rate,
            "hyperparameters": to_dict(config),
        }
        run = _new_run_folder(worker_root or runs_dir, recipe.name, settings, resumed=run)
    try:
        with _resume_told(run, recipe.name, owned=worker_root is None):  # on the chief: the user's folder
            trainer = Trainer(
                run, training_config, seed, distribution, extra_callbacks=list(callbacks or []), build_model=build
            )
            result = _train_and_finish(recipe, config, model, data, trainer, started, chief)
    finally:
        if worker_root is not None:
            shutil.rmtree(worker_root, ignore_errors=True)
    return result


@contextmanager
def _resume_told(run: Run, recipe: str, owned: bool) -> Iterator[None]:
    """Training in `run` that runs out of memory, or is interrupted (Ctrl-C), leaves the folder resumable: where
    the user owns it (`owned`), say so. Out of memory is a KtError naming the folder and the command that goes on
    with it; an interrupt prints that on stderr and goes on up. Anything else passes as it is."""
    try:
        yield
    except KeyboardInterrupt:
        if owned:
            print(f"interrupted: {_left_to_resume(run, recipe)}", file=sys.stderr)
        raise
    except Exception as exc:
        if owned and is_out_of_memory(exc):
            also = "if the memory was taken by something else; sizes too large: delete it, run again with smaller ones"
            raise KtError(f"{out_of_memory(exc)}; {_left_to_resume(run, recipe)} {also}") from exc
        raise


def _left_to_resume(run: Run, recipe: str) -> str:
    """Where a run stopped during training is left, and the command that goes on with it."""
    command = shlex.join(["kt", "run", "recipe", recipe, "--resume", str(run.path)])
    try:
        epochs = len(run.read_history())
    except (OSError, ValueError):
        epochs = 0
    if not epochs:
        return f"the run folder {run.path} holds no finished epoch yet: {command} starts it again"
    finished = f"{epochs} finished epoch{'s' if epochs > 1 else ''}"
    return f"the run folder {run.path} keeps {finished}: {command} goes on with it"


def _new_run_folder(root: str | Path, recipe: str, settings: dict[str, Any], resumed: Run | None) -> Run:
    """A new run folder under `root` with `settings` in its config.json; a worker's folder for a `resumed` run
    starts from the chief's backup, finished stages and history."""
    run = create_run(root, recipe, settings)
    if resumed is not None:  # only a worker's: the chief goes on in the resumed folder itself
        _copy_resume_state(resumed, run)
    return run


def _copy_resume_state(source: Run, target: Run) -> None:
    """A resumed worker starts from the chief's backup, finished stages and history (all workers hold the same
    weights)."""
    for name in ("backup_dir", "stages_dir"):
        if getattr(source, name).is_dir():
            shutil.copytree(getattr(source, name), getattr(target, name), dirs_exist_ok=True)
    if source.history_file.exists():  # the rows of the epochs the backup holds
        shutil.copyfile(source.history_file, target.history_file)


def _train_and_finish(
    recipe: RecipeInfo, config: Any, model: keras.Model, data: Any, trainer: Trainer, started: float, chief: bool
) -> RunResult:
    """Train the freshly built `model` in the trainer's run folder, then score and save it (`finish_run`)."""
    for name, value in (getattr(data, "assets", None) or {}).items():
        trainer.run.write_asset(name, value)
    if not chief:
        trainer.verbose = 0
    model = train_recipe(recipe, model, data, trainer.config, trainer)
    result = finish_run(recipe, trainer.run, model, data, config, trainer.seed, started, trainer.strategy)
    return dataclasses.replace(result, chief=chief)


def train_recipe(recipe: RecipeInfo, model: keras.Model, data: Any, config: Any, trainer: Trainer) -> keras.Model:
    """Train `model` as the recipe says: its own `train` hook (stages, committees), else one `trainer.fit` with
    the callbacks of its `callbacks(config)` hook, if any. The trained model (a `train` hook may return another)."""
    module = recipe.module
    if recipe.has_hook("train"):
        return module.train(model, data, config, trainer) or model
    trainer.fit(model, data, callbacks=module.callbacks(config) if recipe.has_hook("callbacks") else None)
    return model


def finish_run(
    recipe: RecipeInfo,
    run: Run,
    model: keras.Model,
    data: Any,
    config: Any,
    seed: int,
    started: float,
    distribution: tf.distribute.Strategy | None = None,
) -> RunResult:
    """Score the test set once, then write the breakdown, plots, model.keras and (last) metrics.json."""
    evaluation = evaluate_model(recipe, model, data, config)
    published = recipe.published_for(config)
    metric = recipe.metric_for(config)
    title = f"{recipe.name}  ({run.path.name})"
    history = run.read_history()
    report.plot_curves(history, run.path / "curves.png", title)
    if getattr(data, "class_names", None):
        _plot_confusion(model, data, evaluation, run, config.batch_size, title)
    write_breakdown(evaluation, run.path)
    if recipe.has_hook("report"):
        recipe.module.report(model, data, config, evaluation, run.path)
    with atomic_path(run.model_file) as tmp:
        model.save(tmp)
    seconds = time.perf_counter() - started
    score = evaluation.scores[metric]
    replicas = num_replicas(distribution) if distribution is not None else 1
    write_json(
        run.metrics_file, _metrics_record(recipe.name, run, seed, evaluation, metric, published, seconds, replicas)
    )
    run.remove_resume_state()
    line = report.summary_line(recipe.name, metric, score, published, seconds, f"{run.path}/", evaluation.scored_on)
    return RunResult(run, evaluation, metric, seconds, line)


def _metrics_record(
    recipe: str,
    run: Run,
    seed: int,
    evaluation: Evaluation,
    metric: str,
    published: Published | None,
    seconds: float,
    replicas: int,
) -> dict[str, Any]:
    """What metrics.json holds: the scores, the target and whether it was reached, the times and the versions."""
    history = run.read_history()
    score = evaluation.scores[metric]
    return {
        "recipe": recipe,
        "seed": seed,
        "test": evaluation.scores,
        "scored_on": evaluation.scored_on,
        "breakdown": {"name": evaluation.breakdown_name, "rows": evaluation.breakdown}
        if evaluation.breakdown
        else None,
        "metric": metric,
        "published": None if published is None else {**published.__dict__, "reached": published.reached(score)},
        "wall_time_s": round(seconds, 1),
        "train_time_s": round(sum(float(row["seconds"]) for row in history), 1),
        "epochs": len(history),
        "strategy": run.read_config().get("strategy", "default"),
        "replicas": replicas,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "versions": _versions(),
    }


def evaluate_run(
    run_dir: str | Path, recipe: RecipeInfo | str | None = None, data_dir: str | Path | None = None
) -> RunResult:
    """Load a run's model.keras and score it again as the run did (its summary line, then any breakdown);
    `recipe` (default: the run's own, from its config.json) must be the run's."""
    started = time.perf_counter()
    run = open_run(run_dir)
    recipe = get_recipe(recipe or run.recipe)
    if run.recipe != recipe.name:
        raise RunDirError(f"{run.path} is a run of {run.recipe}, not {recipe.name}")
    config = run.saved_config(recipe.module.Config)
    model = load_model(run)
    data = recipe.module.build_data(config, data_dir)
    try:
        evaluation = evaluate_model(recipe, model, data, config)
    except (ValueError, tf.errors.InvalidArgumentError) as exc:  # eval writes nothing: nothing is left half-done
        raise misfit(run.model_file, exc) from None
    published = recipe.published_for(config)
    metric = recipe.metric_for(config)
    seconds = time.perf_counter() - started
    score = evaluation.scores[metric]
    line = report.summary_line(recipe.name, metric, score, published, seconds, f"{run.path}/", evaluation.scored_on)
    if evaluation.breakdown:
        line += "\n" + format_table(evaluation.breakdown)
    return RunResult(run, evaluation, metric, seconds, line)
