"""Input preprocessing fitted on the training split and saved inside the model: standardisation, ZCA whitening.

Standardisation is Keras's own `Normalization` layer given the training split's mean and variance (one of each
over all pixels). ZCA whitening (Bell & Sejnowski 1997; Krizhevsky 2009, appendix) maps each flattened image x to
W (x - mean), W = U diag(1 / sqrt(s + epsilon)) U^T from the eigendecomposition U diag(s) U^T of the training
covariance: decorrelated pixels of unit variance (where s >> epsilon) that still look like images. `Whitening` is a
registered Keras layer holding the mean and W as weights, so a saved model loads with safe_mode on.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np


def zca(images: np.ndarray, epsilon: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The mean (pixels,) and ZCA matrix (pixels, pixels) of `images` (examples, ...)."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    mean = flat.mean(axis=0)
    covariance = np.cov(flat - mean, rowvar=False)
    values, vectors = np.linalg.eigh(covariance)
    matrix = (vectors * (1.0 / np.sqrt(np.maximum(values, 0.0) + epsilon))) @ vectors.T
    return mean.astype(np.float32), matrix.astype(np.float32)


@keras.saving.register_keras_serializable(package="kerastoolkit")
class Whitening(keras.layers.Layer):
    """x -> W (x - mean) on flattened inputs, reshaped back; W and mean are fitted (`zca`), not trained."""

    def __init__(self, pixels: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.pixels = pixels
        self.mean = self.add_weight(shape=(pixels,), initializer="zeros", trainable=False, name="mean")
        self.matrix = self.add_weight(shape=(pixels, pixels), initializer="identity", trainable=False, name="matrix")

    def set_fitted(self, mean: np.ndarray, matrix: np.ndarray) -> Whitening:
        self.mean.assign(mean)
        self.matrix.assign(matrix)
        return self

    def call(self, inputs: Any) -> Any:
        flat = keras.ops.reshape(inputs, (-1, self.pixels)) - self.mean
        return keras.ops.reshape(keras.ops.matmul(flat, self.matrix), keras.ops.shape(inputs))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pixels": self.pixels}


def fitted_preprocessing(kind: str, images: np.ndarray, epsilon: float = 0.1) -> keras.layers.Layer | None:
    """A layer standardising (`standardise`) or whitening (`zca`) inputs like `images`; None for `none`."""
    if kind == "none":
        return None
    if kind == "standardise":
        return keras.layers.Normalization(axis=None, mean=float(images.mean()), variance=float(images.var()))
    if kind == "zca":
        return Whitening(int(np.prod(images.shape[1:]))).set_fitted(*zca(images, epsilon))
    raise ValueError(f"unknown preprocessing {kind!r}")
