"""`kt translate RUN_DIR SENTENCE...`: a trained translation run translates English into French.

The run's recipe must be a translation recipe (it says so with `TRANSLATES = True`, read from its file without
importing it); TensorFlow is imported only once RUN_DIR is known to hold one. The options and the work are the
recipe's `predict` hook (the translation recipes share `kerastoolkit.translation.hooks.predict`), so
`kt predict RUN_DIR ...` does the same.
"""

from __future__ import annotations

import click

from kerastoolkit.cli import cli
from kerastoolkit.cli.predict_cmd import answer_with_hook


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
    answer_with_hook(  # the recipe's predict hook: the translation recipes share one
        ctx, run_dir, verb="translate", hook="TRANSLATES", run_of="a translation recipe", cannot="does not translate"
    )
