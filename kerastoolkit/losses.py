"""Losses the recipes need that Keras does not ship, registered so that model.keras files load.

`SparseSmoothedCrossentropy` is categorical cross-entropy with label smoothing (Szegedy et al. 2016) on integer
labels: Keras's `CategoricalCrossentropy(label_smoothing=...)` wants one-hot labels, and its sparse version
has no smoothing. The target puts `1 - smoothing + smoothing / classes` on the true class and
`smoothing / classes` on each other one.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerastoolkit")
class SparseSmoothedCrossentropy(keras.losses.Loss):
    def __init__(self, smoothing: float = 0.1, name: str = "sparse_smoothed_crossentropy", **kwargs: Any):
        super().__init__(name=name, **kwargs)
        self.smoothing = smoothing

    def call(self, y_true: Any, y_pred: Any) -> Any:
        classes = ops.shape(y_pred)[-1]
        labels = ops.reshape(ops.cast(y_true, "int32"), ops.shape(y_pred)[:-1])
        one_hot = ops.one_hot(labels, classes, dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(one_hot, y_pred, label_smoothing=self.smoothing)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "smoothing": self.smoothing}
