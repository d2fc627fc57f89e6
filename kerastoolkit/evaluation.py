"""What scoring a model yields: named test scores and, where a recipe has one, a breakdown table.

A recipe that scores itself defines `evaluate(model, data, config) -> Evaluation`; its scores include the
published metric (`error`, `bleu`, `bits_per_char`...), and its breakdown (per task, per sentence length, per
class) lands in metrics.json and, as `NAME.csv`, in the run folder. Recipes without the hook are scored by
their compiled metrics (`compiled_evaluation`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerastoolkit.fileio import write_text


@dataclass
class Evaluation:
    scores: dict[str, float]
    breakdown: list[dict[str, Any]] = field(default_factory=list)  # one row per task, length bucket, class...
    breakdown_name: str = "breakdown"  # the table's file stem in the run folder


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def write_breakdown(evaluation: Evaluation, folder: Path) -> Path | None:
    """Write the breakdown as `NAME.csv` in `folder` (atomically); None when there is none."""
    if not evaluation.breakdown:
        return None
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_columns(evaluation.breakdown), lineterminator="\n")
    writer.writeheader()
    writer.writerows(evaluation.breakdown)
    path = folder / f"{evaluation.breakdown_name}.csv"
    write_text(path, buffer.getvalue())
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as an aligned plain-text table, for the terminal."""
    columns = _columns(rows)
    cells = [columns, *([_cell(row.get(c)) for c in columns] for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)) for line in cells)
