"""Optimizers the recipes need that Keras does not ship, registered so that model.keras files load.

`SpectralClipSGD` is plain SGD whose `clipnorm` bounds each weight matrix's gradient by its spectral norm (its
largest singular value), as the end-to-end memory network's reference code does (MATLAB's `norm(G)`, in
MemN2N-babi-matlab). Keras's own `clipnorm` uses the Frobenius norm, which for an embedding's gradient is
several times larger, so it clips much harder: on bAbI 1k it cost the memory network 6-13 points of test error
on tasks 2 and 4 (seed 0: 25.4% and 19.8% against 12.4% and 6.3%).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


def spectral_norm(matrix: Any) -> Any:
    """The largest singular value of a 2-D tensor (the Euclidean norm of anything else)."""
    if len(matrix.shape) != 2:
        return ops.sqrt(ops.sum(ops.square(matrix)))
    gram = ops.matmul(ops.transpose(matrix), matrix)  # the small side: (columns, columns)
    return ops.sqrt(ops.maximum(ops.max(ops.eigh(gram)[0]), 0.0))


@keras.saving.register_keras_serializable(package="kerastoolkit")
class SpectralClipSGD(keras.optimizers.SGD):
    def _clip_gradients(self, grads: list[Any]) -> list[Any]:
        if not self.clipnorm:
            return grads
        return [None if g is None else self._clip_by_spectral_norm(g) for g in grads]

    def _clip_by_spectral_norm(self, grad: Any) -> Any:
        grad = ops.convert_to_tensor(grad)  # an embedding's gradient arrives as sparse slices
        norm = spectral_norm(grad)
        return grad * ops.minimum(1.0, self.clipnorm / ops.maximum(norm, 1e-12))
