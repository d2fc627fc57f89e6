"""Writing text with a trained character model, one character at a time.

`sampler_for(model, characters)` picks how the model is run forward:

- a recurrent model (Keras `LSTM` layers that return their state) is run on each new character alone, its
  states carried from one call to the next: `RecurrentSampler`;
- any other model (a transformer) is run again on the last `window` characters for every new one:
  `WindowSampler`.

Both expect the model's layers `embedding` (the first) and `logits` (the last, one score per character), and
draw each character from softmax(logits / temperature) with their own seeded random generator.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from kerastoolkit.errors import InputError
from kerastoolkit.text.characters import Characters


class Sampler(ABC):
    """Draws characters one at a time; subclasses say how the model reads the text so far (`begin`, `feed`)."""

    def __init__(self, characters: Characters):
        self.characters = characters

    @abstractmethod
    def begin(self, ids: np.ndarray) -> np.ndarray:
        """Read the prime's ids; return the scores of the character that follows."""

    @abstractmethod
    def feed(self, next_id: int) -> np.ndarray:
        """Read one more character; return the scores of the character that follows."""

    def stream(self, prime: str, length: int, temperature: float, seed: int = 0) -> Iterator[str]:
        """Yield `length` characters following `prime` (non-empty, every character in the vocabulary); `temperature`
        above 0 (lower: likelier characters, higher: more surprises)."""
        if not temperature > 0:  # 0 would divide by zero; below 0 would favour the least likely characters
            raise InputError(f"the temperature must be above 0, got {temperature}")
        return self._stream(prime, length, temperature, seed)  # refused above at the call, not at the first next()

    def _stream(self, prime: str, length: int, temperature: float, seed: int) -> Iterator[str]:
        rng = np.random.default_rng(seed)
        logits = self.begin(self.characters.encode(prime))
        for written in range(length):
            scaled = np.asarray(logits, "float64") / temperature
            probabilities = np.exp(scaled - scaled.max())
            next_id = int(rng.choice(len(probabilities), p=probabilities / probabilities.sum()))
            yield self.characters.characters[next_id]
            if written + 1 < length:
                logits = self.feed(next_id)


class RecurrentSampler(Sampler):
    """Runs each LSTM on the new characters only, from the states the previous call left."""

    def __init__(self, model: keras.Model, characters: Characters):
        super().__init__(characters)
        lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
        ids = keras.Input((None,), dtype="int32")
        states_in = [keras.Input((layer.units,)) for layer in lstms for _ in range(2)]
        x, states_out = model.get_layer("embedding")(ids), []
        for i, layer in enumerate(lstms):
            x, h, c = layer(x, initial_state=states_in[2 * i : 2 * i + 2])
            states_out += [h, c]
        step = keras.Model([ids, *states_in], [model.get_layer("logits")(x[:, -1]), *states_out])
        self.step = tf.function(lambda inputs: step(inputs, training=False), reduce_retracing=True)
        self.zero_states = [np.zeros((1, layer.units), "float32") for layer in lstms for _ in range(2)]

    def begin(self, ids: np.ndarray) -> np.ndarray:
        self.states = self.zero_states
        return self._run(ids)

    def feed(self, next_id: int) -> np.ndarray:
        return self._run(np.array([next_id], "int32"))

    def _run(self, ids: np.ndarray) -> np.ndarray:
        logits, *self.states = self.step([ids[None, :], *self.states])
        return np.asarray(logits)[0]


class WindowSampler(Sampler):
    """Runs the whole model again on the last `window` characters for each new one."""

    def __init__(self, model: keras.Model, characters: Characters, window: int):
        super().__init__(characters)
        self.window = window
        self.forward = tf.function(lambda ids: model(ids, training=False)[:, -1], reduce_retracing=True)

    def begin(self, ids: np.ndarray) -> np.ndarray:
        self.ids = list(ids)
        return self._run()

    def feed(self, next_id: int) -> np.ndarray:
        self.ids.append(next_id)
        return self._run()

    def _run(self) -> np.ndarray:
        return np.asarray(self.forward(np.array([self.ids[-self.window :]], "int32")))[0]


def sampler_for(model: keras.Model, characters: Characters, window: int) -> Sampler:
    """A `RecurrentSampler` for a model with LSTM layers, else a `WindowSampler` over `window` characters."""
    if any(isinstance(layer, keras.layers.LSTM) for layer in model.layers):
        return RecurrentSampler(model, characters)
    return WindowSampler(model, characters, window)
