"""Reports: training curves, a confusion matrix, and the one-line summary of a run.

Plots are written atomically. kt's own commands draw on matplotlib's Agg backend (no display needed); inside a
notebook, or once the caller has chosen a backend, that backend is kept, so the caller's own plots still show.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerastoolkit.errors import InputError
from kerastoolkit.fileio import atomic_path, unwritable_reason
from kerastoolkit.registry import Published, format_score
from kerastoolkit.runs import recorded


def counted(number: int, noun: str) -> str:
    """`number` and `noun`, plural but for one: counted(1, "step") is "1 step", counted(3, "step") "3 steps"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def pyplot() -> Any:
    """matplotlib.pyplot (imported on first use: kt starts without it), on the Agg backend unless the caller chose
    one: a backend in $MPLBACKEND (Jupyter's kernel sets the inline one there) or pyplot already imported."""
    import matplotlib

    if not os.environ.get("MPLBACKEND") and "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def image_format(path: Path, option: str) -> str:
    """The image format `path` names by its suffix (png without one), for a picture the user asked for with
    `option`; InputError if matplotlib cannot write that format or the folder cannot be written."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    chosen = _suffix_format(path)
    if not path.name or chosen not in formats:
        raise InputError(f"{option} {path}: give an image file name ending in .{', .'.join(sorted(formats))}")
    if path.exists() and not path.is_file():  # a device, a pipe, a folder: never replaced by a picture
        raise InputError(f"{option} {path} is not a regular file: give a picture file name")
    reason = unwritable_reason(path.parent)
    if reason:
        raise InputError(f"cannot write {option} {path}: {reason}")
    return chosen


def _suffix_format(path: Path) -> str:
    return path.suffix.lstrip(".").lower() or "png"


def save_figure(fig: Any, path: Path) -> None:
    """Write `fig` to `path` atomically (format from its suffix, png without one) and close it."""
    try:
        with atomic_path(path) as tmp:  # the temporary name's suffix is random: name the format
            fig.savefig(tmp, format=_suffix_format(path), dpi=120, bbox_inches="tight")
    finally:
        pyplot().close(fig)


def _stage_starts(history: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """(first epoch's position, stage name) of each stage after the first, in a history of several stages."""
    stages = [row.get("stage", "") for row in history]
    return [(i + 1, stage) for i, stage in enumerate(stages) if i and stage != stages[i - 1]]


def plot_curves(history: Sequence[dict[str, Any]], path: Path, title: str = "") -> None:
    """Loss and accuracy per epoch, train against validation, one panel each (rows from history.csv).

    A run of several stages is drawn end to end, each stage's start marked and named; a metric only some stages
    have (a pretraining stage has no accuracy) is drawn where it is, and losses that differ in scale between
    stages (an autoencoder's summed reconstruction error, then a classifier's) on a log scale.
    """
    plt = pyplot()
    metrics = [m for m in ("loss", "accuracy") if any(recorded(row, m) for row in history)]
    fig, axes = plt.subplots(1, max(len(metrics), 1), figsize=(5 * max(len(metrics), 1), 3.6), squeeze=False)
    steps = np.arange(1, len(history) + 1)
    starts = _stage_starts(history)
    for ax, metric in zip(axes[0], metrics, strict=False):
        for prefix, label in (("", "train"), ("val_", "validation")):
            values = np.array(
                [float(row[prefix + metric]) if recorded(row, prefix + metric) else np.nan for row in history]
            )
            if np.isfinite(values).any():
                ax.plot(steps, values, marker="o", markersize=3, label=label)
                positive = values[np.isfinite(values) & (values > 0)]
                if metric == "loss" and starts and len(positive) and positive.max() > 10 * positive.min():
                    ax.set_yscale("log")
        for start, stage in starts:
            ax.axvline(start - 0.5, color="grey", linewidth=0.8, linestyle=":")
            ax.annotate(stage, (start - 0.4, 1.0), xycoords=("data", "axes fraction"), fontsize=7, va="top")
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    save_figure(fig, path)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels.astype(int), predictions.astype(int)), 1)
    return matrix


def plot_confusion(matrix: np.ndarray, class_names: Sequence[str], path: Path, title: str = "") -> None:
    """The confusion matrix with counts in each cell (rows: true class, columns: predicted)."""
    plt = pyplot()
    n = len(class_names)
    fig, ax = plt.subplots(figsize=(0.55 * n + 2.5, 0.55 * n + 2))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                ax.text(
                    j,
                    i,
                    str(matrix[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if i == j else "black",
                )
    ax.set_xticks(range(n), class_names, rotation=45, ha="right")
    ax.set_yticks(range(n), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    save_figure(fig, path)


def summary_line(
    recipe: str,
    metric: str,
    score: float,
    published: Published | None,
    seconds: float,
    folder: str,
    scored_on: str = "test",
) -> str:
    """`mnist_conv  test accuracy 99.58%  (published 99.50%, reached)  312 s  -> saved_models/...`

    or, where lower is better: `babi_memn2n  test error 0.10%  (published 0.0%, lower is better, not reached) ...`;
    `scored_on` names what the score measures (`xor  training accuracy 100.00% ...`).
    """
    target = ""
    if published is not None:
        verdict = "reached" if published.reached(score) else "not reached"
        better = ", lower is better" if published.lower_is_better else ""
        target = f"  (published {published.format()}{better}, {verdict})"
    shown = format_score(score, published, metric)
    return f"{recipe}  {scored_on} {metric} {shown}{target}  {seconds:.0f} s  -> {folder}"
