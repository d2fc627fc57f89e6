"""The GloVe-page picture: words projected to 2-D by PCA, with an arrow inside each consecutive pair."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kerastoolkit.errors import VectorsError
from kerastoolkit.fileio import atomic_path
from kerastoolkit.vectors.wordvectors import WordVectors


def project(vectors: WordVectors, words: Sequence[str]) -> np.ndarray:
    """The words' vectors on their first two principal components, one (x, y) row per word."""
    if len(words) < 2:
        raise VectorsError("plot needs at least two words")
    points = np.array([vectors.vector(w) for w in words], dtype=np.float64)
    centred = points - points.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return centred @ components[:2].T


def plot(vectors: WordVectors, words: Sequence[str], out: str | os.PathLike) -> Path:
    """Draw `words` (pairs in order: king queen man woman ...) with arrows from the first to the second of each
    pair and save the figure to `out` (format from its suffix)."""
    from kerastoolkit.report import image_format, pyplot

    plt = pyplot()
    out_path = Path(out)
    out_format = image_format(out_path, "--out")
    xy = project(vectors, words)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(xy[:, 0], xy[:, 1], color="tab:blue")
    for (x, y), word in zip(xy, words, strict=True):
        ax.annotate(word, (x, y), xytext=(4, 4), textcoords="offset points")
    for start in range(0, len(words) - 1, 2):
        (x0, y0), (x1, y1) = xy[start], xy[start + 1]
        ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "->", "color": "tab:gray"})
    ax.set_title(f"{vectors.name}: PCA of {len(words)} words")
    ax.set_xticks([])
    ax.set_yticks([])
    try:
        with atomic_path(out_path) as tmp:
            fig.savefig(tmp, format=out_format, dpi=120, bbox_inches="tight")
    except OSError as exc:
        raise VectorsError(f"cannot write --out {out_path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return out_path
