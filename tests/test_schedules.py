"""The shared learning-rate schedule and the label-smoothing loss (kerastoolkit.schedules, kerastoolkit.losses)."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from kerastoolkit.losses import SparseSmoothedCrossentropy
from kerastoolkit.schedules import WarmupCosine, warmup_cosine


def test_warmup_cosine_rises_linearly_then_falls_to_zero():
    assert warmup_cosine(0, 100, 1.0, 10) == pytest.approx(0.1)
    assert warmup_cosine(9, 100, 1.0, 10) == pytest.approx(1.0)
    assert warmup_cosine(10, 100, 1.0, 10) == pytest.approx(1.0)
    assert warmup_cosine(55, 100, 1.0, 10) == pytest.approx(0.5)
    assert warmup_cosine(100, 100, 1.0, 10) == pytest.approx(0.0, abs=1e-12)
    assert warmup_cosine(0, 100, 2.0, 0) == pytest.approx(2.0)  # no warm-up: cosine from the first step
    rates = [warmup_cosine(s, 100, 1.0, 10) for s in range(100)]
    assert all(later <= earlier for earlier, later in zip(rates[9:], rates[10:], strict=False))


def _rates(epochs: int, initial_epoch: int) -> list[float]:
    """The rates WarmupCosine sets at each step of a tiny fit (4 steps an epoch) from `initial_epoch` on."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(), "mse")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(float(self.model.optimizer.learning_rate))

    x, y = np.zeros((16, 2), "float32"), np.zeros((16, 1), "float32")
    schedule = WarmupCosine(0.5, warmup_epochs=0.5)
    model.fit(x, y, batch_size=4, epochs=epochs, initial_epoch=initial_epoch, verbose=0, callbacks=[schedule, Record()])
    return seen


def test_a_resumed_fit_sets_the_same_rates():
    whole = _rates(3, 0)
    assert len(whole) == 12
    assert whole[:2] == pytest.approx([0.25, 0.5])  # half an epoch of warm-up: 2 steps
    assert whole[2] == pytest.approx(0.5) and whole[-1] == pytest.approx(0.5 * 0.5 * (1 + math.cos(math.pi * 9 / 10)))
    assert _rates(3, 2) == pytest.approx(whole[8:])


def test_smoothed_crossentropy_on_integer_labels():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], "float32")
    labels = np.array([0, 2])
    plain = keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)
    assert float(SparseSmoothedCrossentropy(0.0)(labels, probabilities)) == pytest.approx(float(plain), rel=1e-5)
    smoothed = float(SparseSmoothedCrossentropy(0.3)(labels[:, None], probabilities))
    targets = np.full((2, 3), 0.1) + 0.7 * np.eye(3)[labels]
    assert smoothed == pytest.approx(float(np.mean(-(targets * np.log(probabilities)).sum(-1))), rel=1e-5)
    loss = SparseSmoothedCrossentropy.from_config(SparseSmoothedCrossentropy(0.3).get_config())
    assert loss.smoothing == 0.3
