"""Rows of dicts as tables: the text of a CSV file, and an aligned plain-text table for the terminal.

One place for what history.csv, a recipe's breakdown (`per_task.csv`, `members.csv`...), kt tune's trials.csv and
the tables kt prints share: the columns are every key of every row, in the order they first appear; a missing
value is an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any


def columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Every key of `rows`, in the order the keys first appear."""
    found: list[str] = []
    for row in rows:
        found += [key for key in row if key not in found]
    return found


def csv_text(rows: Sequence[dict[str, Any]]) -> str:
    """`rows` as the text of a CSV file: a header, then one line per row (quoted where a value needs it)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(rows), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def cell(value: Any) -> str:
    """A value as a table shows it: floats to 4 significant digits, None as nothing."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def aligned(rows: Sequence[dict[str, Any]], right: bool = True) -> str:
    """`rows` as a plain-text table, a header line then one line per row, columns padded to their widths (numbers
    read best aligned right; `right=False` aligns left)."""
    keys = columns(rows)
    lines = [keys, *([cell(row.get(key)) for key in keys] for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(keys))]
    pad = str.rjust if right else str.ljust
    return "\n".join("  ".join(pad(text, width) for text, width in zip(line, widths, strict=True)) for line in lines)
