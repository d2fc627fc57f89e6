"""MNIST "modern net": two hidden layers of 625 ReLU units with dropout, trained by RMSprop.

Reproduces the third rung of the MNIST ladder in Alec Radford's talk "Introduction to Deep Learning with
Python" (Theano, 2014), the net that shows what ReLU, dropout (Srivastava et al. 2014) and RMSprop buy over
the sigmoid MLP: dropout 0.2 on the pixels and 0.5 after each hidden layer, RMSprop (lr 0.001, rho 0.9),
batches of 128, 100 epochs. Published: 99.0% test accuracy.

    kt run recipe mnist_dropout

What it reaches here: see docs/RESULTS.md (`benchmarks/mnist_ladder.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from kerastoolkit.config import TrainingConfig, param
from kerastoolkit.data.mnist import ImageSplits, load_splits

PUBLISHED = {
    "metric": "accuracy",
    "value": 0.990,
    "source": "Radford, Introduction to Deep Learning with Python",
    "decimals": 1,
}
IMAGE_SHAPE = (28, 28, 1)  # MNIST digits, pixels in [0, 1]: an image recipe (kt visualize)


@dataclass
class Config(TrainingConfig):
    epochs: int = 100
    batch_size: int = 128
    learning_rate: float = 0.001
    hidden_units: int = param(625, "ReLU units in each of the two hidden layers", minimum=1)
    input_dropout: float = param(0.2, "fraction of pixels dropped during training", minimum=0.0, below=1.0)
    hidden_dropout: float = param(0.5, "fraction of hidden units dropped during training", minimum=0.0, below=1.0)


def build_data(config: Config, data_dir: str | None = None) -> ImageSplits:
    return load_splits("mnist", **config.split_sizes(), data_dir=data_dir)


def build_model(config: Config) -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            layers.Flatten(),
            layers.Dropout(config.input_dropout),
            layers.Dense(config.hidden_units, activation="relu"),
            layers.Dropout(config.hidden_dropout),
            layers.Dense(config.hidden_units, activation="relu"),
            layers.Dropout(config.hidden_dropout),
            layers.Dense(10, activation="softmax"),
        ],
        name="mnist_dropout",
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(config.learning_rate, rho=0.9),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
