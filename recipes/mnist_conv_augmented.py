"""MNIST conv net trained on elastically distorted digits: one net, 99.65% test accuracy or better.

Reproduces the single-net result of the deformation papers: Simard, Steinkraus & Platt 2003 ("Best practices for
convolutional neural networks applied to visual document analysis", ICDAR) trained a conv net on digits distorted
by random elastic displacement fields (0.40% error), and Ciresan, Meier, Gambardella & Schmidhuber reached 0.35%
with one net trained on elastically distorted, rotated and scaled digits (the 2010 Neural Computation MLP "Deep,
big, simple neural nets for handwritten digit recognition"; their 2011 conv nets a little lower). The net is
mnist_conv's (`kerastoolkit.vision.convnet`); only the training data change: every batch is distorted afresh in
the input pipeline (`kerastoolkit.vision.augment`), and `augmentation.png` in the run folder shows what the net saw.

    kt run recipe mnist_conv_augmented
    kt run recipe mnist_conv_augmented augment=elastic,affine rotation=8 preprocess=zca
    kt run recipe mnist_conv_augmented dataset=fashion_mnist

The defaults are milder than Simard's (sigma 4, alpha 34 for a net trained for hundreds of epochs): elastic
alpha 34 with sigma 6 smooths the field more, so the digits bend without tearing, which suits the 15 epochs this
net gets on two CPU cores (about 20 s each). Distorted digits are harder than clean ones, so the net needs about
twice mnist_conv's 8 epochs to pass it.

What it reaches here: see docs/RESULTS.md (`benchmarks/vision.py --part single`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from kerastoolkit.data.mnist import ImageSplits, load_splits
from kerastoolkit.registry import Published
from kerastoolkit.schedules import WarmupCosine
from kerastoolkit.vision.config import AugmentConfig
from kerastoolkit.vision.convnet import conv_net
from kerastoolkit.vision.whitening import fitted_preprocessing

PUBLISHED = {"metric": "accuracy", "value": 0.9965, "source": "Ciresan et al. 2010-2011, one net, distorted digits"}
IMAGE_SHAPE = (28, 28, 1)  # MNIST digits, pixels in [0, 1]: an image recipe (kt visualize)


@dataclass
class Config(AugmentConfig):
    epochs: int = 15


def build_data(config: Config, data_dir: str | None = None) -> ImageSplits:
    return load_splits(config.dataset, **config.split_sizes(), data_dir=data_dir)


def training_images(data: ImageSplits) -> np.ndarray:
    """The whole training split as one array, to fit the preprocessing on."""
    return np.concatenate([images for images, _ in data.train.batch(8192).as_numpy_iterator()])


def build_model(config: Config, data: ImageSplits) -> keras.Model:
    images = training_images(data) if config.preprocess != "none" else None
    return conv_net(config, name="mnist_conv_augmented", preprocessing=fitted_preprocessing(config.preprocess, images))


def callbacks(config: Config) -> list[keras.callbacks.Callback]:
    """Warm up, then cosine to 0, set at every step from its place in the run (so a resumed run agrees)."""
    return [WarmupCosine(config.learning_rate, config.warmup_epochs)]


def published(config: Config) -> Published | None:
    """The MNIST target; none for Fashion-MNIST."""
    return Published(**PUBLISHED) if config.dataset == "mnist" else None
