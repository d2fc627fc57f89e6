"""MNIST "modern net": two hidden layers of 625 ReLU units with dropout, trained by RMSprop.

Reproduces the third rung of the MNIST ladder in Alec Radford's talk "Introduction to Deep Learning with
Python" (Theano, 2014), the net that shows what ReLU, dropout (Srivastava et al. 2014) and RMSprop buy over
the sigmoid MLP: dropout 0.2 on the pixels and 0.5 after each hidden layer, RMSprop (lr 0.001, rho 0.9),
batches of 128, 100 epochs. Published: 99.0% test accuracy.

Radford's protocol, which this recipe follows by default: all 60,000 training images train and no
validation split is held out (his `4_modern_net.py` loads the whole training set); the model kept is the
last epoch's, and the test set is scored once. `validation_size=5000` gives the ladder's other protocol
(train on the first 55,000, watch the last 5,000; still the last epoch's model); docs/RESULTS.md shows both.

    kt run recipe mnist_dropout
    kt run recipe mnist_dropout validation_size=5000

What it reaches here: see docs/RESULTS.md (`benchmarks/mnist_ladder.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from kerastoolkit.config import TrainingConfig, param
from kerastoolkit.data.mnist import ImageSplits, load_splits
from kerastoolkit.vision import predicting

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
    validation_size: int = 0  # Radford's protocol: all 60,000 images train
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


predict = predicting.predict  # kt predict RUN_DIR --image digit.png, or --example N: the net classifies them
