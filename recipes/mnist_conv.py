"""MNIST convolutional net: a single model, no augmentation, at least 99.5% test accuracy.

Reproduces the top rung of the MNIST ladder from the seed talks: a convolutional net as in LeCun's MNIST table
and Radford's "Introduction to Deep Learning with Python" (published 99.50%). This net is leaner than
Radford's (three 3x3 conv layers of 32/64/128 filters, 100 epochs of RMSprop) so that it trains in minutes on
two CPU cores: two blocks of two 3x3 convolutions with batch normalisation (Ioffe & Szegedy 2015), max
pooling, a 256-unit dense layer with dropout, Adam with a learning rate that decays by `lr_decay` each epoch.

    kt run recipe mnist_conv

What it reaches here: see docs/RESULTS.md (`benchmarks/mnist_ladder.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from kerastoolkit.config import TrainingConfig, param
from kerastoolkit.data.mnist import ImageSplits, load_splits

PUBLISHED = {"metric": "accuracy", "value": 0.995, "source": "LeCun et al., MNIST table; Radford's talk"}
IMAGE_SHAPE = (28, 28, 1)  # MNIST digits, pixels in [0, 1]: an image recipe (kt visualize)


@dataclass
class Config(TrainingConfig):
    epochs: int = 15
    batch_size: int = 128
    learning_rate: float = 0.002
    lr_decay: float = param(0.8, "the learning rate is multiplied by this after every epoch", above=0.0)
    filters: int = param(32, "filters in the first block (the second has twice as many)", minimum=1)
    dense_units: int = param(256, "units in the dense layer", minimum=1)
    dropout: float = param(0.4, "dropout before the classifier", minimum=0.0, below=1.0)


def build_data(config: Config, data_dir: str | None = None) -> ImageSplits:
    return load_splits("mnist", **config.split_sizes(), data_dir=data_dir)


def conv_block(x: keras.KerasTensor, filters: int) -> keras.KerasTensor:
    """Two 3x3 convolutions, each batch-normalised before its ReLU, then 2x2 max pooling."""
    for _ in range(2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    return layers.MaxPooling2D()(x)


def build_model(config: Config) -> keras.Model:
    inputs = keras.Input(IMAGE_SHAPE)
    x = conv_block(inputs, config.filters)
    x = conv_block(x, 2 * config.filters)
    x = layers.Flatten()(x)
    x = layers.Dense(config.dense_units, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(config.dropout)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="mnist_conv")
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def callbacks(config: Config) -> list[keras.callbacks.Callback]:
    """Decay the learning rate once per epoch (set from the epoch number, so a resumed run agrees)."""
    return [keras.callbacks.LearningRateScheduler(lambda epoch: config.learning_rate * config.lr_decay**epoch)]
