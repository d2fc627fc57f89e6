"""The errors a user can cause. The `kt` command prints each as one line on stderr and exits with code 2."""

from __future__ import annotations

import re


class KtError(Exception):
    """A mistake in the user's input or environment: bad name, option, file or dataset."""

    exit_code = 2


class UnknownRecipeError(KtError):
    """No recipe of that name."""


class ConfigError(KtError):
    """An override names no hyperparameter, or its value does not parse to the field's type."""


class DataError(KtError):
    """A dataset file is missing, corrupt, truncated, or cannot be downloaded."""


class RunDirError(KtError):
    """A runs folder cannot be written, or a folder given to --resume or eval holds no run."""


class VectorsError(KtError):
    """Unknown vectors name, unreadable vectors file, unknown word, or an unusable corpus."""


class InputError(KtError):
    """A bad input to `kt predict` or another command that answers new inputs (unknown word, no such example)."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none), for a one-line error."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def user_error(exc: BaseException) -> KtError | None:
    """`exc` as the one-line error a user gets: a KtError as it is, running out of memory (`is_out_of_memory`) as
    `out_of_memory`'s; None for anything else (a bug, to show with its traceback)."""
    if isinstance(exc, KtError):
        return exc
    if is_out_of_memory(exc):
        return out_of_memory(exc)
    return None


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether `exc` is running out of memory: Python's MemoryError, or TensorFlow's ResourceExhaustedError
    (matched by its type's name, so that checking does not import TensorFlow)."""
    return isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError"


def out_of_memory(exc: BaseException) -> KtError:
    """The one-line error for a model or batch too large for this machine's memory (a size set too large)."""
    shape = re.search(r"OOM when allocating tensor with shape\s*\[[^\]]*\]", str(exc))
    what = shape.group(0) if shape else first_line(exc)[:200]
    return KtError(f"out of memory ({what}): give smaller sizes (units, filters, batch_size) or use a larger machine")
