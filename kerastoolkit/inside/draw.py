"""Grids of small grey images and an activity map, written atomically as PNG (see `report.save_figure`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kerastoolkit.report import pyplot, save_figure

PER_ROW = 10  # small pictures in one row of a grid


def in_rows(items: Sequence, per_row: int = PER_ROW) -> list[list]:
    """`items` cut into rows of `per_row` (the last may be shorter), for `image_grid` and its captions."""
    return [list(items[i : i + per_row]) for i in range(0, len(items), per_row)]


def image_grid(
    rows: Sequence[np.ndarray],
    path: Path,
    title: str,
    *,
    captions: Sequence[Sequence[str]] | None = None,
    row_labels: Sequence[str] | None = None,
    stretch: bool = True,
) -> None:
    """Each row of `rows` (images of (height, width) or (height, width, 1)) as a row of small grey pictures.

    `stretch`: each picture from its own darkest to its lightest value (weights, optimised inputs); else
    pixels are shown as they are, 0 black and 1 white (digits).
    """
    plt = pyplot()
    columns = max(len(row) for row in rows)
    fig, axes = plt.subplots(len(rows), columns, figsize=(1.1 * columns + 0.6, 1.2 * len(rows) + 0.6), squeeze=False)
    for r, row in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(row):
                ax.axis("off")
                continue
            image = np.asarray(row[c]).reshape(row[c].shape[0], row[c].shape[1], -1).mean(axis=-1)
            limits = {} if stretch else {"vmin": 0.0, "vmax": 1.0}
            ax.imshow(image, cmap="gray", interpolation="nearest", **limits)
            if captions:
                ax.set_title(captions[r][c], fontsize=7)
        if row_labels:
            axes[r][0].set_ylabel(row_labels[r], fontsize=8)
    fig.suptitle(title)
    save_figure(fig, path)


def activity_map(activity: np.ndarray, labels: np.ndarray, class_names: Sequence[str], path: Path, title: str) -> None:
    """`activity` (units, examples), examples sorted by class, with each class's columns named below them."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 6))
    shown = ax.imshow(activity, aspect="auto", cmap="viridis", interpolation="nearest")
    fig.colorbar(shown, ax=ax, label="activation")
    classes, starts, counts = np.unique(labels, return_index=True, return_counts=True)
    for start in starts[1:]:
        ax.axvline(start - 0.5, color="white", linewidth=0.8)
    ax.set_xticks(starts + (counts - 1) / 2, [class_names[int(c)] for c in classes])
    ax.set_xlabel("test digits, by class")
    ax.set_ylabel("hidden unit")
    ax.set_title(title)
    save_figure(fig, path)


def filter_grid(kernel: np.ndarray, image_shape: tuple[int, int], path: Path, title: str, *, count: int = 100) -> None:
    """The first `count` units of a dense layer reading images, each unit's weights (a column of `kernel`,
    (pixels, units)) as a tile of `image_shape`, ten to a row, each from its own darkest to lightest weight."""
    tiles = [kernel[:, unit].reshape(image_shape) for unit in range(min(count, kernel.shape[1]))]
    image_grid(in_rows(tiles), path, title, stretch=True)


def image_rows(rows: dict[str, np.ndarray], path: Path, title: str) -> None:
    """Rows of digits with a label each (corrupted, reconstructed, original...): pixels 0 black, 1 white."""
    image_grid(list(rows.values()), path, title, row_labels=list(rows), stretch=False)
