"""The `kt` command. Each command group lives in its own module; none imports TensorFlow at start-up.

A user's mistake (a `KtError`) is printed as one line on stderr with exit code 2; `kt --debug ...` shows the
traceback instead, and still exits with 2. Click's own usage errors (a missing argument, an unknown option, a
value out of an option's range) are one line too, `kt: error: ...` with the command whose `--help` explains it.
"""

from __future__ import annotations

import os
import shlex
import sys
import traceback
from typing import Any

import click

from kerastoolkit import __version__
from kerastoolkit.errors import KtError, user_error

_state = {"debug": False}


class KtGroup(click.Group):
    """A click group that turns KtError, and click's own usage errors, into `kt: error: ...` on stderr (one line)
    and exit code 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:  # type: ignore[override]
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)  # returns ctx.exit()'s code, else None
        except click.exceptions.NoArgsIsHelpError as exc:  # `kt run` alone: the group's help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            hint = f" (see {exc.ctx.command_path} --help)" if getattr(exc, "ctx", None) else ""
            click.echo(f"kt: error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:  # Ctrl-C: the shell's code for an interrupt (128 + SIGINT)
            click.echo("Aborted!", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            error = user_error(exc)
            if error is None:
                raise
            if _state["debug"]:
                traceback.print_exc()
            else:
                click.echo(f"kt: error: {error}", err=True)
            ctx.exit(error.exit_code)


class RecipeVerbGroup(click.Group):
    """`kt run` and `kt show`: a recipe named where the word `recipe` belongs gets the right command as a hint."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        from kerastoolkit.registry import list_recipes

        if args and args[0] not in self.commands and args[0] in {r.name for r in list_recipes()}:
            suggestion = shlex.join(["kt", str(self.name), "recipe", *args])
            raise KtError(f"'{args[0]}' is a recipe, not a command of 'kt {self.name}'; did you mean '{suggestion}'?")
        return super().resolve_command(ctx, args)


@click.group("kt", cls=KtGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kt")
@click.option("--debug", is_flag=True, help="Show the full traceback when a command fails.")
def cli(debug: bool) -> None:
    """kt: the classic deep-learning results as one-command Keras recipes, and word vectors.

    \b
    Examples:
      kt list                              every recipe and its published target
      kt show recipe mnist_conv            its hyperparameters
      kt run recipe mnist_conv epochs=5    train, test, plot and save a model
      kt tune recipe mnist_conv learning_rate=1e-4..1e-2:log --trials 8   search hyperparameters
      kt runs                              past runs and their scores
      kt predict RUN_DIR --example 0       a trained run answers a new input
      kt translate RUN_DIR "I am cold."    a translation run translates English into French
      kt visualize RUN_DIR                 filters, hidden units, DeepDream of an MNIST run
      kt analogy king man woman            word-vector arithmetic -> queen
    """
    _state["debug"] = debug
    if not debug:  # TensorFlow's C++ log lines are noise here, its errors too ("oneDNN supports DT_BOOL only on
        # platforms with AVX-512", on loading a translation model): real failures raise Python exceptions
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def load_tensorflow() -> None:
    """Import TensorFlow for a command that needs it: quietly, unless `--debug` asks to see everything."""
    if not _state["debug"]:
        from kerastoolkit.cli.quiet_import import import_tensorflow_quietly

        import_tensorflow_quietly()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="kt")


from kerastoolkit.cli import (  # noqa: E402  (registers the commands)
    predict_cmd,
    recipes_cmd,
    translate_cmd,
    tune_cmd,
    vectors_cmd,
    visualize_cmd,
)

__all__ = ["cli", "main", "predict_cmd", "recipes_cmd", "translate_cmd", "tune_cmd", "vectors_cmd", "visualize_cmd"]
