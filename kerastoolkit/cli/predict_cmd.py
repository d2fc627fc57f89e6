"""`kt predict RUN_DIR [OPTIONS]`: a trained run answers new inputs through its recipe's `predict` hook.

The options are the recipe's own: its `predict(saved_run, **options)` function carries `click.option`
decorators, and this command parses the arguments after RUN_DIR with them, so `kt predict RUN_DIR --help`
shows that recipe's options. A recipe module is imported (and TensorFlow with it) only once RUN_DIR is known
to hold a finished run of a recipe that predicts.
"""

from __future__ import annotations

import textwrap

import click

from kerastoolkit.cli import cli, load_tensorflow
from kerastoolkit.errors import RunDirError
from kerastoolkit.registry import get_recipe, list_recipes
from kerastoolkit.runs import open_run


def _predicting_recipes() -> list[str]:
    return [recipe.name for recipe in list_recipes() if recipe.has_hook("predict")]


def recipe_command(run_dir: str) -> click.Command:
    """A click command made of RUN_DIR's recipe's predict options, calling its hook on the loaded run."""
    recipe = get_recipe(open_run(run_dir).recipe)
    if not recipe.has_hook("predict"):
        raise RunDirError(
            f"{run_dir} is a run of {recipe.name}, which does not answer new inputs; "
            f"kt predict works for runs of: {', '.join(_predicting_recipes()) or 'no recipe yet'}"
        )
    load_tensorflow()
    from kerastoolkit.saved import open_saved_run

    saved = open_saved_run(run_dir)
    hook = recipe.module.predict
    return click.Command(
        name="predict",
        params=list(reversed(getattr(hook, "__click_params__", []))),
        callback=lambda **options: hook(saved, **options),
        help=(hook.__doc__ or "").strip(),
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )


@cli.command(
    "predict",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("run_dir", required=False)
@click.pass_context
def predict_command(ctx: click.Context, run_dir: str | None) -> None:
    """Ask a trained run about new inputs: `kt predict RUN_DIR [OPTIONS]`.

    \b
    The options belong to the run's recipe; `kt predict RUN_DIR --help` lists them. Examples:
      kt predict saved_models/mnist_conv/20261124-101500 --image my_digit.png
      kt predict saved_models/babi_memn2n/20261124-101500 --example 0
      kt predict RUN_DIR --story "Mary went to the kitchen." --question "Where is Mary?"
    """
    if run_dir in ("-h", "--help"):
        recipes = ", ".join(_predicting_recipes()) or "none yet"
        click.echo(ctx.get_help() + "\n\n" + textwrap.fill(f"Recipes that predict: {recipes}", width=100))
        return
    if run_dir is None:
        raise click.UsageError("missing RUN_DIR, a run folder of a recipe that predicts (see kt predict --help)")
    command = recipe_command(run_dir)
    with command.make_context(f"kt predict {run_dir}", list(ctx.args)) as sub_context:
        command.invoke(sub_context)
