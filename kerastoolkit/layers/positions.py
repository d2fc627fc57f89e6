"""Learned position embeddings: what tells a transformer where in its window each token sits."""

from __future__ import annotations

from typing import Any

import keras


@keras.saving.register_keras_serializable(package="kerastoolkit")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector for each position 0..max_length-1 to a sequence of embeddings (GPT-2's way)."""

    def __init__(self, max_length: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_length = max_length

    def build(self, input_shape: tuple) -> None:
        self.positions = self.add_weight(
            shape=(self.max_length, input_shape[-1]),
            initializer=keras.initializers.RandomNormal(stddev=0.02),
            name="positions",
        )

    def call(self, inputs: Any) -> Any:
        length = keras.ops.shape(inputs)[1]
        return inputs + keras.ops.expand_dims(self.positions[:length], 0)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_length": self.max_length}
