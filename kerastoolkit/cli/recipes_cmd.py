"""Recipe commands: `kt list`, `kt show recipe`, `kt run recipe`, `kt runs`, `kt eval`.

TensorFlow is imported only inside the commands that train or score (`run`, `eval`) and by `show`, which
imports the recipe module to read its Config.
"""

from __future__ import annotations

from pathlib import Path

import click

from kerastoolkit.cli import cli, data_dir_option, load_tensorflow
from kerastoolkit.errors import ConfigError
from kerastoolkit.registry import Published, format_score, get_recipe, list_recipes
from kerastoolkit.runs import DEFAULT_RUNS_DIR, find_runs

_runs_dir_option = click.option(
    "--runs-dir",
    type=click.Path(file_okay=False),
    default=DEFAULT_RUNS_DIR,
    show_default=True,
    help="Where run folders are written and found.",
)


@cli.command("list")
def list_command() -> None:
    """List every recipe with its one-line summary and published target."""
    recipes = list_recipes()
    width = max((len(r.name) for r in recipes), default=0)
    for recipe in recipes:
        target = recipe.published.describe() if recipe.published else ""
        click.echo(f"{recipe.name:<{width}}  {target:<17}  {recipe.summary}")


@cli.group("show")
def show_group() -> None:
    """Show details of a recipe."""


@show_group.command("recipe")
@click.argument("name")
def show_recipe(name: str) -> None:
    """Show recipe NAME: its summary, published target and hyperparameters (defaults, types, docs)."""
    from kerastoolkit.config import fields

    recipe = get_recipe(name)
    load_tensorflow()  # the recipe module, which holds the Config, imports Keras
    click.echo(f"{recipe.name}: {recipe.summary}")
    if recipe.published:
        click.echo(f"published: {recipe.published.describe()} ({recipe.published.source})")
    click.echo(f"source: {recipe.path}\n\nhyperparameters (override with KEY=VALUE):")
    infos = fields(recipe.config_class)
    width = max(len(f"{i.name}={i.default}") for i in infos)
    for info in infos:
        default = ",".join(map(str, info.default)) if isinstance(info.default, tuple) else info.default
        click.echo(f"  {f'{info.name}={default}':<{width}}  {info.type_name:<6}  {info.doc}")


@cli.group("run")
def run_group() -> None:
    """Train something: `kt run recipe NAME [KEY=VALUE ...]`."""


@run_group.command("recipe", context_settings={"ignore_unknown_options": False})
@click.argument("name")
@click.argument("overrides", nargs=-1, metavar="[KEY=VALUE]...")
@data_dir_option()
@_runs_dir_option
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed; the same seed repeats a run.")
@click.option(
    "--resume",
    "resume",
    type=click.Path(file_okay=False),
    default=None,
    help="Continue the unfinished run in this folder (after a crash or a kill).",
)
@click.option(
    "--strategy",
    type=click.Choice(["default", "mirrored"]),
    default="default",
    show_default=True,
    help="Distribution strategy: one device, or data-parallel over every local GPU (needs two or more).",
)
def run_recipe_command(
    name: str,
    overrides: tuple[str, ...],
    data_dir: str | None,
    runs_dir: str,
    seed: int,
    resume: str | None,
    strategy: str,
) -> None:
    """Train recipe NAME, score it on the test set and save everything in a run folder.

    \b
    Examples:
      kt run recipe mnist_conv
      kt run recipe mnist_mlp epochs=20 learning_rate=0.1
      kt run recipe mnist_conv --resume saved_models/mnist_conv/20261124-101500
    """
    recipe = get_recipe(name)
    if resume and overrides:
        raise ConfigError("a resumed run keeps the hyperparameters it started with; drop the KEY=VALUE overrides")
    load_tensorflow()
    config = recipe.make_config(list(overrides))
    from kerastoolkit.engine import run_recipe

    result = run_recipe(
        recipe, config, runs_dir=runs_dir, data_dir=data_dir, seed=seed, resume=resume, strategy=strategy
    )
    click.echo(result.summary)


@cli.command("runs")
@_runs_dir_option
def runs_command(runs_dir: str) -> None:
    """List past runs with their test scores (incomplete runs are marked)."""
    runs = find_runs(runs_dir)
    if not runs:
        click.echo(f"no runs in {runs_dir}")
        return
    for run in runs:
        folder = f"{run.path}/"
        if not run.is_complete:
            click.echo(f"{run.path.parent.name:<16} {'incomplete':<26} {folder}")
            continue
        metrics = run.read_metrics()
        metric = metrics["metric"]
        score, published = metrics["test"][metric], metrics.get("published")
        target = Published(**{k: v for k, v in published.items() if k != "reached"}) if published else None
        target_text = f"(published {target.format()})" if target else ""
        shown = format_score(score, target, metric)
        click.echo(f"{metrics['recipe']:<16} {metric} {shown:<7} {target_text:<19} {folder}")


@cli.command("eval")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@data_dir_option()
def eval_command(run_dir: Path, data_dir: str | None) -> None:
    """Score the saved model of RUN_DIR on the test set again."""
    from kerastoolkit.runs import open_run

    recipe = get_recipe(open_run(run_dir).recipe)
    load_tensorflow()
    from kerastoolkit.engine import evaluate_run

    click.echo(evaluate_run(run_dir, recipe, data_dir).summary)
