"""One splits type for every dataset: train / validation / test `tf.data` of any element structure.

An element may be `(image, label)`, `({"story": ..., "question": ...}, answer)`, `(source, target)` or anything
`tf.data` can hold; the engine only batches, shuffles and counts. `assets` holds what must travel with a
trained model to answer new inputs (a vocabulary, a tokenizer's settings): JSON-ready values the engine writes
into the run folder as `NAME.json` (see `runs.Run.read_asset`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tensorflow as tf


@dataclass
class Splits:
    """Unbatched datasets and their sizes; `validation` may be None (then `num_validation` is 0)."""

    train: tf.data.Dataset
    validation: tf.data.Dataset | None
    test: tf.data.Dataset
    num_train: int
    num_validation: int
    num_test: int
    class_names: list[str] | None = None  # for classifiers: draws the confusion matrix
    assets: dict[str, Any] = field(default_factory=dict)  # saved with the run as NAME.json
