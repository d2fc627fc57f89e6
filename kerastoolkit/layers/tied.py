"""The pieces of a denoising autoencoder that Keras does not ship: tied weights and masking noise.

- `TiedDense(encoder)`: a decoder that reads a `Dense` encoder's kernel transposed (the same variable, not a
  copy) and has only its own bias: the "tied weights" W' = W^T of Vincent et al. 2008, 2010.
- `MaskingNoise(rate)`: while training, each input is set to 0 with probability `rate` and the others are kept
  as they are (no rescaling, unlike `Dropout`): the masking corruption of Vincent et al.; the identity otherwise.

Both are registered Keras serialisables and survive `.keras` save and load with `safe_mode`. A `TiedDense`
saves the encoder's name, not its weights: on loading, it finds the encoder upstream of its own input in the
model's graph (an autoencoder's decoder always comes after its encoder), so the loaded model again has one kernel.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops


def _upstream_layer(tensor: Any, name: str) -> keras.layers.Layer | None:
    """The layer called `name` that `tensor` (a symbolic Keras tensor) was computed from, if any."""
    seen: set[int] = set()
    pending = [tensor]
    while pending:
        history = getattr(pending.pop(), "_keras_history", None)
        if history is None:
            continue
        operation, node_index = history.operation, history.node_index
        if id(operation) in seen:
            continue
        seen.add(id(operation))
        if isinstance(operation, keras.layers.Layer) and operation.name == name:
            return operation
        pending.extend(operation._inbound_nodes[node_index].input_tensors)
    return None


@keras.saving.register_keras_serializable(package="kerastoolkit")
class TiedDense(keras.layers.Layer):
    """`activation(inputs @ encoder.kernel^T + bias)`: a decoder tied to a `Dense` encoder.

    `encoder`: the `Dense` layer itself, or its name (then it is found upstream of the first input this layer
    is called on in a functional model, as when a saved model is loaded). The encoder's kernel is not one of
    this layer's weights: it is trained, saved and loaded with the encoder.
    """

    def __init__(self, encoder: keras.layers.Dense | str, activation: Any = None, use_bias: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.encoder_name = encoder if isinstance(encoder, str) else encoder.name
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        # Not an attribute Keras tracks: the encoder's variables must stay the encoder's own.
        object.__setattr__(self, "_tied_encoder", None if isinstance(encoder, str) else encoder)

    @property
    def encoder(self) -> keras.layers.Dense:
        if self._tied_encoder is None:
            raise ValueError(
                f"TiedDense {self.name!r} has not found its encoder {self.encoder_name!r} yet: pass the Dense "
                "layer itself, or call this layer in a functional model on a tensor computed from the encoder"
            )
        return self._tied_encoder

    @property
    def tied_kernel(self) -> keras.Variable:
        """The encoder's kernel (input units, code units): this layer multiplies by its transpose."""
        return self.encoder.kernel

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._tied_encoder is None and args:
            found = _upstream_layer(args[0], self.encoder_name)
            if found is not None:
                object.__setattr__(self, "_tied_encoder", found)
        return super().__call__(*args, **kwargs)

    def build(self, input_shape: Any) -> None:
        units = self.encoder.kernel.shape[0]
        if input_shape[-1] is not None and input_shape[-1] != self.encoder.kernel.shape[1]:
            raise ValueError(
                f"TiedDense {self.name!r} takes {self.encoder.kernel.shape[1]} units (the encoder's output), "
                f"got {input_shape[-1]}"
            )
        self.bias = self.add_weight(name="bias", shape=(units,), initializer="zeros") if self.use_bias else None

    def get_build_config(self) -> None:
        """None: a loaded TiedDense is built when the model calls it, once it has found its encoder."""
        return None

    def call(self, inputs: Any) -> Any:
        outputs = ops.matmul(inputs, ops.transpose(self.encoder.kernel))
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (*input_shape[:-1], self.encoder.kernel.shape[0])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "encoder": self.encoder_name,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }


def masked(images: np.ndarray, rate: float, seed: int = 0) -> np.ndarray:
    """`MaskingNoise` in numpy, for pictures: each value set to 0 with probability `rate`, the others kept."""
    return images * (np.random.default_rng(seed).random(images.shape) >= rate)


@keras.saving.register_keras_serializable(package="kerastoolkit")
class MaskingNoise(keras.layers.Layer):
    """Sets each input to 0 with probability `rate` while training, keeping the others unscaled."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"MaskingNoise rate must be in [0, 1), got {rate}")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0.0:
            return inputs
        keep = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator) >= self.rate
        return ops.where(keep, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
