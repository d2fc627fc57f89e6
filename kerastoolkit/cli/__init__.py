"""The `kt` command. Each command group lives in its own module; none imports TensorFlow at start-up.

A user's mistake (a `KtError`) is printed as one line on stderr with exit code 2; `kt --debug ...` shows the
traceback instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from kerastoolkit import __version__
from kerastoolkit.errors import KtError

_state = {"debug": False}


def data_dir_option(holds: str = "the datasets") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--data-dir`, shared by every command that reads the data folder (falls back to $KT_DATA_DIR)."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        envvar="KT_DATA_DIR",
        show_envvar=True,
        help=f"Folder holding {holds} (default: ~/.cache/kerastoolkit/data).",
    )


class KtGroup(click.Group):
    """A click group that turns KtError into `kt: error: ...` on stderr and exit code 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except KtError as exc:
            if _state["debug"]:
                raise
            click.echo(f"kt: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=KtGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kt")
@click.option("--debug", is_flag=True, help="Show the full traceback when a command fails.")
def cli(debug: bool) -> None:
    """kt: the classic deep-learning results as one-command Keras recipes, and word vectors.

    \b
    Examples:
      kt list                              every recipe and its published target
      kt show recipe mnist_conv            its hyperparameters
      kt run recipe mnist_conv epochs=5    train, test, plot and save a model
      kt runs                              past runs and their scores
      kt predict RUN_DIR --example 0       a trained run answers a new input
      kt analogy king man woman            word-vector arithmetic -> queen
    """
    _state["debug"] = debug
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter is noise here


def load_tensorflow() -> None:
    """Import TensorFlow for a command that needs it: quietly, unless `--debug` asks to see everything."""
    if not _state["debug"]:
        from kerastoolkit.cli.quiet_import import import_tensorflow_quietly

        import_tensorflow_quietly()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="kt")


from kerastoolkit.cli import predict_cmd, recipes_cmd, vectors_cmd  # noqa: E402  (registers the commands on `cli`)

__all__ = ["cli", "main", "predict_cmd", "recipes_cmd", "vectors_cmd"]
