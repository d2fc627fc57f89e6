"""`kt translate RUN_DIR SENTENCE...`: a trained translation run translates English into French.

The run's recipe must be a translation recipe (it says so with `TRANSLATES = True`, read from its file without
importing it); TensorFlow is imported only once RUN_DIR is known to hold one. The options and the work are the
recipe's `predict` hook (the translation recipes share `kerastoolkit.translation.hooks.predict`), so
`kt predict RUN_DIR ...` does the same.
"""

from __future__ import annotations

import click

from kerastoolkit.cli import cli
from kerastoolkit.cli.predict_cmd import recipe_command
from kerastoolkit.errors import RunDirError
from kerastoolkit.registry import get_recipe, list_recipes
from kerastoolkit.runs import open_run


def _translating_recipes() -> list[str]:
    return [recipe.name for recipe in list_recipes() if recipe.has_hook("TRANSLATES")]


@cli.command(
    "translate",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("run_dir", required=False)
@click.pass_context
def translate_command(ctx: click.Context, run_dir: str | None) -> None:
    """Translate English into French with a trained run: `kt translate RUN_DIR "I am cold."`.

    \b
    Sentences are arguments, or lines on stdin; `kt translate RUN_DIR --help` lists the options. Examples:
      kt translate saved_models/translate_attention/RUN "I am cold."
      kt translate RUN_DIR --greedy "Where is the station?"
      kt translate RUN_DIR "I love you." --attention attention.png
    """
    if run_dir in ("-h", "--help"):
        click.echo(ctx.get_help() + f"\n\nRecipes that translate: {', '.join(_translating_recipes())}")
        return
    if run_dir is None:
        raise click.UsageError("missing RUN_DIR, a run folder of a translation recipe (see kt translate --help)")
    recipe = get_recipe(open_run(run_dir).recipe)
    if not recipe.has_hook("TRANSLATES"):
        raise RunDirError(
            f"{run_dir} is a run of {recipe.name}, which does not translate; "
            f"kt translate works for runs of: {', '.join(_translating_recipes())}"
        )
    command = recipe_command(run_dir)  # the recipe's predict hook: the translation recipes share one
    with command.make_context(f"kt translate {run_dir}", list(ctx.args)) as sub_context:
        command.invoke(sub_context)
