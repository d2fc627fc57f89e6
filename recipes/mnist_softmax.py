"""MNIST softmax regression: one linear layer, 784 -> 10, trained by plain SGD.

Reproduces the first rung of the MNIST ladder in Alec Radford's talk "Introduction to Deep Learning with
Python" (Theano, 2014): logistic regression on raw pixels, SGD with learning rate 0.05, batches of 128,
100 epochs. Published: 92.5% test accuracy.

    kt run recipe mnist_softmax

What it reaches here: see docs/RESULTS.md (`benchmarks/mnist_ladder.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from kerastoolkit.config import TrainingConfig
from kerastoolkit.data.mnist import ImageSplits, load_splits
from kerastoolkit.vision import predicting

PUBLISHED = {
    "metric": "accuracy",
    "value": 0.925,
    "source": "Radford, Introduction to Deep Learning with Python",
    "decimals": 1,
}
IMAGE_SHAPE = (28, 28, 1)  # MNIST digits, pixels in [0, 1]: an image recipe (kt visualize)


@dataclass
class Config(TrainingConfig):
    epochs: int = 100
    batch_size: int = 128
    learning_rate: float = 0.05


def build_data(config: Config, data_dir: str | None = None) -> ImageSplits:
    return load_splits("mnist", **config.split_sizes(), data_dir=data_dir)


def build_model(config: Config) -> keras.Model:
    model = keras.Sequential(
        [keras.Input(IMAGE_SHAPE), layers.Flatten(), layers.Dense(10, activation="softmax")],
        name="mnist_softmax",
    )
    model.compile(
        optimizer=keras.optimizers.SGD(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


predict = predicting.predict  # kt predict RUN_DIR --image digit.png, or --example N: the net classifies them
