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


def recipes_with(hook: str) -> list[str]:
    """The names of the recipes that define `hook` (read from their files, without importing them)."""
    return [recipe.name for recipe in list_recipes() if recipe.has_hook(hook)]


def _refuse_unless(run_dir: str, hook: str, verb: str, cannot: str) -> None:
    """RunDirError unless RUN_DIR holds a run of a recipe with `hook`, naming the recipes that have it."""
    recipe = get_recipe(open_run(run_dir).recipe)
    if not recipe.has_hook(hook):
        raise RunDirError(
            f"{run_dir} is a run of {recipe.name}, which {cannot}; "
            f"kt {verb} works for runs of: {', '.join(recipes_with(hook)) or 'no recipe yet'}"
        )


def recipe_command(run_dir: str) -> click.Command:
    """A click command made of RUN_DIR's recipe's predict options, calling its hook on the loaded run."""
    _refuse_unless(run_dir, "predict", "predict", "does not answer new inputs")
    load_tensorflow()
    from kerastoolkit.saved import open_saved_run

    saved = open_saved_run(run_dir)
    hook = saved.recipe.module.predict
    return click.Command(
        name="predict",
        params=list(reversed(getattr(hook, "__click_params__", []))),
        callback=lambda **options: hook(saved, **options),
        help=(hook.__doc__ or "").strip(),
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )


def answer_with_hook(
    ctx: click.Context, run_dir: str | None, *, verb: str, hook: str, run_of: str, cannot: str
) -> None:
    """`kt VERB RUN_DIR [OPTIONS]` (predict, translate): with `--help` alone, the command's help and the recipes
    that have `hook`; else RUN_DIR's recipe must have it, and its predict hook parses and answers the options.
    `run_of` names such recipes in the missing-RUN_DIR error, `cannot` says what the others do not do."""
    if run_dir in ("-h", "--help"):
        recipes = ", ".join(recipes_with(hook)) or "none yet"
        click.echo(ctx.get_help() + "\n\n" + textwrap.fill(f"Recipes that {verb}: {recipes}", width=100))
        return
    if run_dir is None:
        raise click.UsageError(f"missing RUN_DIR, a run folder of {run_of} (see kt {verb} --help)")
    _refuse_unless(run_dir, hook, verb, cannot)
    command = recipe_command(run_dir)
    with command.make_context(f"kt {verb} {run_dir}", list(ctx.args)) as sub_context:
        command.invoke(sub_context)


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
    cannot = "does not answer new inputs"
    answer_with_hook(ctx, run_dir, verb="predict", hook="predict", run_of="a recipe that predicts", cannot=cannot)
