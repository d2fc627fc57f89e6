"""Recipe commands: `kt list`, `kt show recipe`, `kt run recipe`, `kt runs`, `kt eval`.

TensorFlow is imported only inside the commands that train or score (`run`, `eval`), after every argument,
override and run folder has been checked: a recipe's Config is read without importing the recipe module.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import click

from kerastoolkit.cli import RecipeVerbGroup, cli, load_tensorflow
from kerastoolkit.errors import ConfigError, RunDirError, UnknownRecipeError
from kerastoolkit.options import SEED, NonEmptyPath, data_dir_option, given, runs_dir_option
from kerastoolkit.registry import Published, RecipeInfo, format_score, get_recipe, list_recipes
from kerastoolkit.resume import resume_point
from kerastoolkit.runs import Run, find_runs, open_run, open_unfinished_run


@cli.command("list")
def list_command() -> None:
    """List every recipe with its one-line summary and published target."""
    recipes = list_recipes()
    targets = [recipe.published.describe() if recipe.published else "" for recipe in recipes]
    width = max((len(r.name) for r in recipes), default=0)
    target_width = max((len(t) for t in targets), default=0)
    for recipe, target in zip(recipes, targets, strict=True):
        click.echo(f"{recipe.name:<{width}}  {target:<{target_width}}  {recipe.summary}")


def _config_class(recipe: RecipeInfo) -> type:
    """The recipe's Config class; TensorFlow is loaded (quietly) only for a recipe whose Config needs its module."""
    if not recipe.has_light_config:
        load_tensorflow()
    return recipe.config_class


@cli.group("show", cls=RecipeVerbGroup)
def show_group() -> None:
    """Show details of a recipe."""


@show_group.command("recipe")
@click.argument("name")
def show_recipe(name: str) -> None:
    """Show recipe NAME: its summary, published target and hyperparameters (defaults, types, docs)."""
    recipe = get_recipe(name)
    click.echo(f"{recipe.name}: {recipe.summary}")
    if recipe.published:
        click.echo(f"published: {recipe.published.describe()} ({recipe.published.source})")
    click.echo(f"source: {recipe.path}\n\nhyperparameters (override with KEY=VALUE):")
    for line in hyperparameter_lines(recipe):
        click.echo(f"  {line}")


def hyperparameter_lines(recipe: RecipeInfo) -> list[str]:
    """One line per hyperparameter of `recipe`: KEY=DEFAULT, its type and what it does."""
    from kerastoolkit.config import fields, value_text

    infos = fields(_config_class(recipe))
    defaults = [value_text(info.default) for info in infos]
    width = max(len(f"{info.name}={default}") for info, default in zip(infos, defaults, strict=True))
    return [
        f"{f'{info.name}={default}':<{width}}  {info.type_name:<6}  {info.doc}"
        for info, default in zip(infos, defaults, strict=True)
    ]


class RecipeCommand(click.Command):
    """`kt run recipe` and `kt tune recipe`: `--help` after a recipe's NAME ends with that recipe's hyperparameters."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["recipe_name"] = next((arg for arg in args if not arg.startswith("-")), None)
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        recipe = {recipe.name: recipe for recipe in list_recipes()}.get(ctx.meta.get("recipe_name"))
        if recipe is None:  # no NAME yet, or not a recipe's
            return
        with formatter.section(f"Hyperparameters of {recipe.name} (KEY=VALUE)"):
            formatter.write_text("\b\n" + "\n".join(hyperparameter_lines(recipe)))


@cli.group("run", cls=RecipeVerbGroup)
def run_group() -> None:
    """Train something: `kt run recipe NAME [KEY=VALUE ...]`."""


@run_group.command("recipe", cls=RecipeCommand, context_settings={"ignore_unknown_options": False})
@click.argument("name")
@click.argument("overrides", nargs=-1, metavar="[KEY=VALUE]...")
@data_dir_option()
@runs_dir_option
@click.option(
    "--seed",
    type=SEED,
    default=0,
    show_default=True,
    help="Random seed; the same seed repeats a run.",
)
@click.option(
    "--resume",
    "resume",
    type=NonEmptyPath(file_okay=False),
    default=None,
    help="Continue the unfinished run in this folder (after a crash or a kill).",
)
@click.option(
    "--strategy",
    type=click.Choice(["default", "mirrored", "multi-worker"]),
    default="default",
    show_default=True,
    help="One device; data-parallel over every local GPU (or --cpu-replicas CPU devices); or over the "
    "workers in TF_CONFIG.",
)
@click.option(
    "--cpu-replicas",
    type=int,
    default=None,
    help="Split the CPU into N logical devices (1 to 64; for --strategy mirrored without GPUs).",
)
@click.option(
    "--config",
    "config_file",
    type=NonEmptyPath(dir_okay=False, exists=True),
    default=None,
    help="Hyperparameters from a JSON file (kt tune's best.json, or a run's config.json); KEY=VALUE overrides win.",
)
@click.pass_context
def run_recipe_command(
    ctx: click.Context,
    name: str,
    overrides: tuple[str, ...],
    data_dir: str | None,
    runs_dir: str,
    seed: int,
    resume: str | None,
    strategy: str,
    cpu_replicas: int | None,
    config_file: str | None,
) -> None:
    """Train recipe NAME, score it on the test set and save everything in a run folder.

    A recipe's hyperparameters (the KEY=VALUE overrides), with their defaults: kt run recipe NAME --help, or
    kt show recipe NAME.

    \b
    Examples:
      kt run recipe mnist_conv
      kt run recipe mnist_mlp epochs=20 learning_rate=0.1
      kt run recipe mnist_conv --resume saved_models/mnist_conv/20261124-101500
      kt run recipe mnist_conv --strategy mirrored --cpu-replicas 2
      kt run recipe mnist_conv --config saved_models/tune_mnist_conv_20261124-101500/best.json
    """
    from kerastoolkit.strategy import check_cpu_replicas, cluster_spec

    if cpu_replicas is not None:
        check_cpu_replicas(cpu_replicas)
    recipe = get_recipe(name)
    if resume:
        _refuse_changes_on_resume(ctx, overrides)
        if config_file:
            raise ConfigError("a resumed run keeps the hyperparameters it started with; drop --config")
        run = open_unfinished_run(resume, recipe.name)
        config = run.saved_config(_config_class(recipe))
        strategy = _resumed_strategy(ctx, run, strategy)
        epochs = None if recipe.trains_in_stages else config.epochs
        click.echo(f"resuming {resume}: {resume_point(run, epochs)}")
    else:
        config = _config_from(recipe, config_file, overrides)
    if cpu_replicas is not None and strategy == "default":
        raise ConfigError("--cpu-replicas splits the CPU for --strategy mirrored; add --strategy mirrored")
    if strategy == "multi-worker":
        cluster_spec()  # a malformed TF_CONFIG is refused before TensorFlow starts
    load_tensorflow()
    if cpu_replicas is not None:
        from kerastoolkit.strategy import split_cpu

        split_cpu(cpu_replicas)  # before anything starts TensorFlow's devices
    from kerastoolkit.engine import run_recipe

    result = run_recipe(
        recipe, config, runs_dir=runs_dir, data_dir=data_dir, seed=seed, resume=resume, strategy=strategy
    )
    if result.chief:  # the other workers of a cluster have nothing to show
        click.echo(result.summary)


def _config_from(recipe: RecipeInfo, config_file: str | None, overrides: tuple[str, ...]) -> Any:
    """The recipe's defaults, then the hyperparameters in `config_file` (JSON: kt tune's best.json, or a run's
    config.json), then KEY=VALUE overrides."""
    from kerastoolkit.config import apply_overrides, from_dict, to_dict

    config_class = _config_class(recipe)
    config = config_class()
    if config_file:
        saved = _hyperparameters_in(config_file, recipe.name)
        try:
            config = from_dict(config_class, {**to_dict(config), **saved})
        except ConfigError as exc:
            raise ConfigError(f"{config_file}: {exc}") from None
    return apply_overrides(config, list(overrides))


def _hyperparameters_in(config_file: str, recipe: str) -> dict[str, Any]:
    """The JSON object of hyperparameters in `config_file`; a run's config.json gives its "hyperparameters"."""

    def refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ConfigError(f"{config_file} gives {repeated[0]} twice")
        return dict(pairs)

    try:
        saved = json.loads(Path(config_file).read_text(encoding="utf-8"), object_pairs_hook=refuse_repeats)
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise ConfigError(f"{config_file} is not a JSON file of hyperparameters: {exc}") from None
    if not isinstance(saved, dict):
        raise ConfigError(f"{config_file} must hold a JSON object of hyperparameters")
    if isinstance(saved.get("hyperparameters"), dict) and "recipe" in saved:  # a run folder's config.json
        if saved["recipe"] != recipe:
            raise ConfigError(f"{config_file} holds the hyperparameters of a {saved['recipe']} run, not {recipe}")
        return saved["hyperparameters"]
    return saved


def _refuse_changes_on_resume(ctx: click.Context, overrides: tuple[str, ...]) -> None:
    """A resumed run keeps its hyperparameters, seed and folder: refuse options that would change them."""
    if overrides:
        raise ConfigError("a resumed run keeps the hyperparameters it started with; drop the KEY=VALUE overrides")
    if given(ctx, "seed"):
        raise ConfigError("a resumed run keeps the seed it started with; drop --seed")
    if given(ctx, "runs_dir"):
        raise ConfigError("a resumed run stays in its folder; drop --runs-dir")


def _resumed_strategy(ctx: click.Context, run: Run, strategy: str) -> str:
    """The strategy a resumed run continues with: the one it started with (refusing another --strategy)."""
    started_with = run.read_config().get("strategy", "default")
    if given(ctx, "strategy") and strategy != started_with:
        raise ConfigError(
            f"{run.path} was started with --strategy {started_with}; resume it with that one or without --strategy"
        )
    return started_with


@cli.command("runs")
@runs_dir_option
@click.pass_context
def runs_command(ctx: click.Context, runs_dir: str) -> None:
    """List past runs with their test scores (incomplete runs, missing and damaged files are marked)."""
    if given(ctx, "runs_dir") and not Path(runs_dir).is_dir():
        raise RunDirError(f"{runs_dir} is not a folder")
    runs = find_runs(runs_dir)
    if not runs:
        click.echo(f"no runs in {runs_dir}")
        return
    rows = [_run_cells(run) for run in runs]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        click.echo(" ".join([*(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)), row[3]]))


def _run_cells(run: Run) -> tuple[str, str, str, str]:
    """The cells of a `kt runs` line: recipe, test score, published target, folder."""
    folder = f"{run.path}/"
    if not run.is_complete:
        return run.path.parent.name, "incomplete", "", folder
    try:
        metrics = run.read_metrics()
        metric = metrics["metric"]
        score, published = metrics["test"][metric], metrics.get("published")
        target = Published(**{k: v for k, v in published.items() if k != "reached"}) if published else None
        target_text = f"(published {target.format()})" if target else ""
        shown = f"{metric} {format_score(score, target, metric)}{_spoilt_files(run)}"
        return metrics["recipe"], shown, target_text, folder
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # a damaged metrics.json spoils one line only
        return run.path.parent.name, "unreadable metrics.json", "", folder


def _spoilt_files(run: Run) -> str:
    """What a finished run's line adds about the files eval, predict and visualize read, where one is gone or
    damaged: ", config.json unreadable", ", model.keras missing" or ", model.keras damaged" (not a zip, as every
    model.keras is); nothing where they look whole."""
    notes = [] if run.has_readable_config else ["config.json unreadable"]
    if not run.model_file.exists():  # scored, but nothing left to eval, predict or visualize
        notes.append("model.keras missing")
    elif not zipfile.is_zipfile(run.model_file):
        notes.append("model.keras damaged")
    return "".join(f", {note}" for note in notes)


@cli.command("eval")
@click.argument("run_dir", type=NonEmptyPath(file_okay=False, path_type=Path))
@data_dir_option()
def eval_command(run_dir: Path, data_dir: str | None) -> None:
    """Score the saved model of RUN_DIR again, as the run did (on the test set, where the recipe has one)."""
    run = open_run(run_dir)
    try:
        recipe = get_recipe(run.recipe)
    except UnknownRecipeError as exc:
        raise RunDirError(f"{run_dir} is a run of a recipe kt does not have: {exc}") from None
    run.saved_config(_config_class(recipe))  # a damaged config.json is refused before TensorFlow loads
    if not run.model_file.exists():
        raise run.missing_model()
    load_tensorflow()
    from kerastoolkit.engine import evaluate_run

    click.echo(evaluate_run(run_dir, recipe, data_dir).summary)
