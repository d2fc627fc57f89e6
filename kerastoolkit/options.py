"""The click parameter types and options that kt's commands and the recipes' `predict` options share.

Light (click and `kerastoolkit.runs`, no TensorFlow), and outside `kerastoolkit.cli`, so that a recipe or a
library module declaring options does not import the command line (whose package registers every command).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource

from kerastoolkit.runs import DEFAULT_RUNS_DIR


class NonEmptyPath(click.Path):
    """A click.Path that refuses an empty string (which would silently mean the current folder, or the default)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("an empty path names no file or folder", param, ctx)
        return super().convert(value, param, ctx)


class FiniteFloatRange(click.FloatRange):
    """A click.FloatRange that also refuses nan and inf (nan passes every bound: it compares false)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value} is not a finite number", param, ctx)
        return number


MAX_SEED = 2**32 - 1  # numpy's and TensorFlow's seeds take 32 bits
SEED = click.IntRange(0, MAX_SEED)  # every --seed


def data_dir_option(holds: str = "the datasets") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--data-dir`, shared by every command that reads the data folder (falls back to $KT_DATA_DIR)."""
    return click.option(
        "--data-dir",
        type=NonEmptyPath(file_okay=False),
        envvar="KT_DATA_DIR",
        show_envvar=True,
        help=f"Folder holding {holds} (default: ~/.cache/kerastoolkit/data).",
    )


runs_dir_option = click.option(
    "--runs-dir",
    type=NonEmptyPath(file_okay=False),
    default=DEFAULT_RUNS_DIR,
    show_default=True,
    help="Where run folders are written and found.",
)


def given(ctx: click.Context, option: str) -> bool:
    """Whether the user typed `option` (its value did not come from its default)."""
    return ctx.get_parameter_source(option) not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)
