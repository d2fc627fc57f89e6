"""What scoring a model yields: named test scores and, where a recipe has one, a breakdown table.

A recipe that scores itself defines `evaluate(model, data, config) -> Evaluation`; its scores include the
published metric (`error`, `bleu`, `bits_per_char`...), and its breakdown (per task, per sentence length, per
class) lands in metrics.json and, as `NAME.csv`, in the run folder. Recipes without the hook are scored by
their compiled metrics (`compiled_evaluation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerastoolkit.fileio import write_text
from kerastoolkit.tables import aligned, csv_text


@dataclass
class Evaluation:
    scores: dict[str, float]
    breakdown: list[dict[str, Any]] = field(default_factory=list)  # one row per task, length bucket, class...
    breakdown_name: str = "breakdown"  # the table's file stem in the run folder
    scored_on: str = "test"  # what the scores measure, as the summary line names it ("training" where no test set)


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
