"""What scoring a model yields: named test scores and, where a recipe has one, a breakdown table.

A recipe that scores itself defines `evaluate(model, data, config) -> Evaluation`; its scores include the
published metric (`error`, `bleu`, `bits_per_char`...), and its breakdown (per task, per sentence length, per
class) lands in metrics.json and, as `NAME.csv`, in the run folder. Recipes without the hook are scored by
their compiled metrics (`compiled_evaluation`).

A classifier's scoring that has predicted every test example (a committee's) may keep the classes it predicted,
and the true ones, in the Evaluation: the confusion matrix and the recipe's `report` hook use them instead of
predicting the test set again. They are not written to metrics.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kerastoolkit.fileio import write_text
from kerastoolkit.tables import aligned, csv_text

if TYPE_CHECKING:  # for the annotations only: importing this module stays light
    import numpy as np


@dataclass
class Evaluation:
    scores: dict[str, float]
    breakdown: list[dict[str, Any]] = field(default_factory=list)  # one row per task, length bucket, class...
    breakdown_name: str = "breakdown"  # the table's file stem in the run folder
    scored_on: str = "test"  # what the scores measure, as the summary line names it ("training" where no test set)
    # the class predicted for each test example, in the test set's order, and its true class; None where not kept
    test_predictions: np.ndarray | None = field(default=None, compare=False, repr=False)
    test_labels: np.ndarray | None = field(default=None, compare=False, repr=False)


def write_breakdown(evaluation: Evaluation, folder: Path) -> Path | None:
    """Write the breakdown as `NAME.csv` in `folder` (atomically); None when there is none."""
    if not evaluation.breakdown:
        return None
    path = folder / f"{evaluation.breakdown_name}.csv"
    write_text(path, csv_text(evaluation.breakdown))
    return path


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as an aligned plain-text table, for the terminal."""
    return aligned(rows)
