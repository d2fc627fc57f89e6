"""MNIST convolutional net: a single model, no augmentation, 99.5% test accuracy on the mean of three seeds.

Reproduces the top rung of the MNIST ladder from the seed talks: a convolutional net as in LeCun's MNIST table and
Radford's "Introduction to Deep Learning with Python" (published 99.50%). This net is leaner than Radford's (three
3x3 conv layers of 32/64/128 filters, 100 epochs of RMSprop) so that it trains in under three minutes on two CPU
cores (a whole run took 181 s and 104 s on two machines, means of seeds 0-2, docs/RESULTS.md): two blocks of two 3x3
convolutions (16, then 32 filters) with batch normalisation (Ioffe & Szegedy 2015), max pooling, a 256-unit dense
layer with dropout; Adam for 8 epochs, its learning rate warmed up linearly over half an epoch and then
cosine-annealed to 0 at the last step (Goyal et al. 2017, Loshchilov & Hutter 2017; `kerastoolkit.schedules`), and
label smoothing 0.1 (Szegedy et al. 2016).

    kt run recipe mnist_conv

Until issue 9 ("speed of the main job") the net had twice the filters (32, 64), Keras's batch-norm momentum 0.99 and
no smoothing, and ran 15 epochs with the rate decayed x0.8 per epoch: about 55 s an epoch on two cores, 99.5% test
accuracy first after epoch 10. Half the filters make an epoch about 2.5 times faster; momentum 0.9 lets the moving
statistics catch up within the first epoch (98.7-99.1% validation accuracy after it, against 78% test before); the
per-step schedule and the smoothing make up for the smaller net. bf16 mixed precision saved 10-25% per epoch on this
CPU and XLA cost more, so neither is used.

What it reaches here: see docs/RESULTS.md (`benchmarks/mnist_ladder.py`, `benchmarks/conv_time_to_target.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from kerastoolkit.data.mnist import ImageSplits, load_splits
from kerastoolkit.schedules import WarmupCosine
from kerastoolkit.vision import predicting
from kerastoolkit.vision.config import ConvNetConfig
from kerastoolkit.vision.convnet import conv_net

PUBLISHED = {"metric": "accuracy", "value": 0.995, "source": "LeCun et al., MNIST table; Radford's talk"}
IMAGE_SHAPE = (28, 28, 1)  # MNIST digits, pixels in [0, 1]: an image recipe (kt visualize)


@dataclass
class Config(ConvNetConfig):
    """The net and schedule above (`kerastoolkit.vision`, shared with mnist_conv_augmented and mnist_committee)."""


def build_data(config: Config, data_dir: str | None = None) -> ImageSplits:
    return load_splits("mnist", **config.split_sizes(), data_dir=data_dir)


def build_model(config: Config) -> keras.Model:
    return conv_net(config, name="mnist_conv")


def callbacks(config: Config) -> list[keras.callbacks.Callback]:
    """Warm up, then cosine to 0, set at every step from its place in the run (so a resumed run agrees)."""
    return [WarmupCosine(config.learning_rate, config.warmup_epochs)]


predict = predicting.predict  # kt predict RUN_DIR --image digit.png, or --example N: the net classifies them
