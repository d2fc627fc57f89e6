"""`kt tune recipe NAME SPACE...`: hyperparameter search with keras-tuner, trials trained by kt's engine.

Everything the user typed is checked (the search space against the recipe's Config, the runs folder) before
TensorFlow and keras-tuner are imported, and before the tuning folder exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kerastoolkit.cli import RecipeVerbGroup, cli, load_tensorflow
from kerastoolkit.cli.recipes_cmd import RecipeCommand, _config_class
from kerastoolkit.errors import ConfigError
from kerastoolkit.options import SEED, NonEmptyPath, data_dir_option, given, runs_dir_option
from kerastoolkit.registry import RecipeInfo, get_recipe
from kerastoolkit.tuning.space import ALGORITHMS

SEARCH_OPTIONS = ("algorithm", "trials", "objective", "seed", "runs_dir")  # what tune.json of a search keeps


@cli.group("tune", cls=RecipeVerbGroup)
def tune_group() -> None:
    """Search hyperparameters: `kt tune recipe NAME KEY=LOW..HIGH ...`."""


@tune_group.command("recipe", cls=RecipeCommand)
@click.argument("name")
@click.argument("space", nargs=-1, metavar="[KEY=RANGE|KEY=VALUE]...")
@click.option(
    "--algorithm",
    type=click.Choice(ALGORITHMS),
    default="random",
    show_default=True,
    help="keras-tuner's oracle: every combination, random draws, Bayesian optimisation, or Hyperband.",
)
@click.option(
    "--trials",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Trials at most (hyperband: its brackets, from epochs, decide).",
)
@click.option(
    "--objective",
    default=None,
    help="Validation score to optimise (default: val_ + the recipe's metric if the model reports it, else val_loss).",
)
@data_dir_option()
@runs_dir_option
@click.option(
    "--seed", type=SEED, default=0, show_default=True, help="Random seed of the oracle and of every trial's run."
)
@click.option(
    "--resume",
    type=NonEmptyPath(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Continue the search in this tuning folder (after a crash or a kill).",
)
def tune_recipe(
    name: str,
    space: tuple[str, ...],
    algorithm: str,
    trials: int,
    objective: str | None,
    data_dir: str | None,
    runs_dir: str,
    seed: int,
    resume: Path | None,
) -> None:
    """Search hyperparameters of recipe NAME; each trial is trained and scored on the validation split.

    \b
    Ranges: KEY=LOW..HIGH[:log|:step=S]; choices: KEY=A,B,C; fixed values: KEY=VALUE.
    A list-valued hyperparameter is fixed as KEY=A,B; its choices are split by /: hidden=500,500,500/1000,1000,1000.
    Examples:
      kt tune recipe mnist_conv learning_rate=1e-4..1e-2:log dropout=0.2,0.3,0.5 epochs=2 --trials 8
      kt tune recipe mnist_mlp hidden_units=100..800:step=100 --algorithm grid
      kt tune recipe mnist_conv --resume saved_models/tune_mnist_conv_20261124-101500
    The winner's hyperparameters are written to best.json: kt run recipe NAME --config FOLDER/best.json
    """
    from kerastoolkit.tuning.space import parse_space

    recipe = get_recipe(name)
    if resume is not None:
        if space:
            raise ConfigError("a resumed search keeps its search space; drop the KEY=... arguments")
        context = click.get_current_context()
        typed = [f"--{option.replace('_', '-')}" for option in SEARCH_OPTIONS if given(context, option)]
        if typed:
            raise ConfigError(f"a resumed search keeps the settings it started with; drop {', '.join(typed)}")
        _resume(recipe, resume, data_dir)
        return
    dimensions, base = parse_space(_config_class(recipe)(), list(space))
    load_tensorflow()
    from kerastoolkit.tuning import search

    folder, spec, data = search.new_search(
        recipe,
        base,
        dimensions,
        algorithm=algorithm,
        trials=trials,
        objective=objective,
        seed=seed,
        runs_dir=runs_dir,
        data_dir=data_dir,
    )
    _finish(recipe, folder, spec, data)


def _resume(recipe: RecipeInfo, folder: Path, data_dir: str | None) -> None:
    load_tensorflow()
    from kerastoolkit.tuning import search

    spec = search.read_spec(folder)
    if spec["recipe"] != recipe.name:
        raise ConfigError(f"{folder} is a search over {spec['recipe']}, not {recipe.name}")
    data = recipe.module.build_data(search.base_config(recipe, spec), data_dir)
    click.echo(f"resuming the search in {folder}")
    _finish(recipe, folder, spec, data)


def _finish(recipe: RecipeInfo, folder: Path, spec: dict[str, Any], data: Any) -> None:
    from kerastoolkit.tuning import search

    rows = search.search(recipe, folder, spec, data)
    click.echo(search.format_rows(rows))
    click.echo(f"best: {folder / 'best.json'}  (kt run recipe {recipe.name} --config {folder / 'best.json'})")
