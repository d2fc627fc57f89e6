"""Which way a score improves, by its name: one rule for the published target's verdict, the best epoch kept,
early stopping and a tuning objective.

Lower is better for losses, errors (`error`, `squared_error_per_image`), perplexities, bits per character and
the mean squared or absolute errors; higher is better for everything else (accuracy, BLEU). A `val_` prefix
changes nothing.
"""

from __future__ import annotations

from typing import Literal

LOWER_IS_BETTER = ("loss", "error", "perplexity", "bits", "mse", "mae")


def lower_is_better(score: str) -> bool:
    return any(word in score for word in LOWER_IS_BETTER)


def direction(score: str) -> Literal["min", "max"]:
    """ "min" where lower is better, else "max" (Keras's and keras-tuner's words for it)."""
    return "min" if lower_is_better(score) else "max"
