"""Pretrained vectors as the weights of a `keras.layers.Embedding`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kerastoolkit.errors import VectorsError
from kerastoolkit.vectors.wordvectors import WordVectors

_SCALE_SAMPLE = 100_000  # rows used to estimate the vectors' spread


@dataclass(frozen=True)
class Coverage:
    """How many vocabulary words found a pretrained vector; `missing` lists those that did not."""

    found: int
    total: int
    missing: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.found / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.found}/{self.total} words have pretrained vectors ({self.ratio:.1%})"


def _rows(vocabulary: Sequence[str] | Mapping[str, int]) -> dict[str, int]:
    if isinstance(vocabulary, str):
        raise VectorsError(
            "the vocabulary is a list of words by row (row 0: padding) or a {word: row} mapping, not a string"
        )
    if isinstance(vocabulary, Mapping):
        rows = dict(vocabulary)
        if any(r < 1 for r in rows.values()):
            raise VectorsError("vocabulary rows must start at 1: row 0 is the padding row")
        return rows
    return {word: row for row, word in enumerate(vocabulary) if row > 0}


def embedding_matrix(
    vectors: WordVectors, vocabulary: Sequence[str] | Mapping[str, int], seed: int = 0
) -> tuple[np.ndarray, Coverage]:
    """Weights for `keras.layers.Embedding`: row r holds the vector of the word at row r.

    `vocabulary` is either the words by row, as `TextVectorization.get_vocabulary()` gives them (its row 0 is
    padding), or a {word: row} mapping with rows from 1, like a Tokenizer's `word_index`. Row 0 stays zero.
    A word without a vector gets a row drawn from a normal with the vectors' own standard deviation, so it
    starts at the same scale as the others. Words are matched as stored, else lower-cased.
    """
    rows = _rows(vocabulary)
    matrix = np.zeros((max(rows.values(), default=0) + 1, vectors.dim), dtype=np.float32)
    scale = float(np.std(vectors.vectors[:_SCALE_SAMPLE]))
    rng = np.random.default_rng(seed)
    missing = []
    for word, row in rows.items():
        index = vectors.index.get(word, vectors.index.get(word.lower()))
        if index is None:
            missing.append(word)
            matrix[row] = rng.normal(0.0, scale, vectors.dim)
        else:
            matrix[row] = vectors.vectors[index]
    return matrix, Coverage(len(rows) - len(missing), len(rows), tuple(missing))


def embedding_layer(
    vectors: WordVectors, vocabulary: Sequence[str] | Mapping[str, int], trainable: bool = False, **kwargs: Any
) -> Any:
    """A `keras.layers.Embedding` holding `embedding_matrix(vectors, vocabulary)`; frozen unless `trainable`.

    Extra keyword arguments (`mask_zero=True`, `name=...`) go to the layer.
    """
    import keras

    matrix, _ = embedding_matrix(vectors, vocabulary)  # as its weights, not a Constant initializer: that would
    # write the whole matrix into the layer's config (model.keras's config.json) beside the weights file
    return keras.layers.Embedding(matrix.shape[0], matrix.shape[1], weights=matrix, trainable=trainable, **kwargs)
