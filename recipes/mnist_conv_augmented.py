"""MNIST conv net trained on elastically distorted digits: one net, 99.66% on the mean of three seeds (target 99.65%).

Reproduces the single-net result of the deformation papers. Simard, Steinkraus & Platt 2003 ("Best practices for
convolutional neural networks applied to visual document analysis", ICDAR) trained a conv net on digits distorted
by random elastic displacement fields; Ciresan, Meier, Masci, Gambardella & Schmidhuber 2011 ("Flexible, high
performance convolutional neural networks for image classification", IJCAI; abstract checked) reach 0.35% test
error on MNIST with one deep conv net trained on distorted digits (0.48% after 17 epochs), the same 0.35% as their
2010 MLP ("Deep, big, simple neural nets for handwritten digit recognition", Neural Computation). The net is
mnist_conv's (`kerastoolkit.vision.convnet`); only the training data change: every batch is distorted afresh in
the input pipeline (`kerastoolkit.vision.augment`), and `augmentation.png` in the run folder shows what the net saw.

    kt run recipe mnist_conv_augmented
    kt run recipe mnist_conv_augmented augment=elastic,affine rotation=8 preprocess=zca
    kt run recipe mnist_conv_augmented dataset=fashion_mnist

The defaults are milder than Simard's (sigma 4, alpha 34 as their MNIST setting is usually quoted; not checked
against the paper here): alpha 34 with sigma 6, the smoother field of Ciresan et al.'s range (as quoted, not
checked), bends the digits without tearing them. Distorted digits are a harder training set than clean ones, so
the net gets 30 epochs against mnist_conv's 8 (about 21 s each on two CPU cores): chosen on
validation accuracy against 15 epochs (seed 0: 99.68% against 99.60%).

The papers train on MNIST's 60,000 training digits (so the summaries of Ciresan et al.'s papers reachable here
describe their setup; the papers' own text was not), and so does this recipe by default, once its settings were
chosen with the last 5,000 held out (`validation_size=5000`, which brings the validation curves back); the test
set is scored once.

What it reaches here (docs/RESULTS.md, `benchmarks/vision.py --part single --seeds 0,1,2`, two idle CPU cores):
99.66% test accuracy, the mean of seeds 0, 1 and 2 (99.65%, 99.64%, 99.68%), 11 minutes a run; trained on
55,000 digits the same seeds gave 99.63%.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from kerastoolkit.data.mnist import ImageSplits, load_splits
from kerastoolkit.registry import Published
from kerastoolkit.schedules import WarmupCosine
from kerastoolkit.vision import predicting
from kerastoolkit.vision.config import AugmentConfig
from kerastoolkit.vision.convnet import preprocessed_net

PUBLISHED = {"metric": "accuracy", "value": 0.9965, "source": "Ciresan et al. 2011 (IJCAI), one conv net, distortions"}
IMAGE_SHAPE = (28, 28, 1)  # MNIST digits, pixels in [0, 1]: an image recipe (kt visualize)


@dataclass
class Config(AugmentConfig):
    epochs: int = 30
    validation_size: int = 0  # the papers' protocol: all 60,000 training digits train (5000: choose by validation)


def build_data(config: Config, data_dir: str | None = None) -> ImageSplits:
    return load_splits(config.dataset, **config.split_sizes(), data_dir=data_dir)


def build_model(config: Config, data: ImageSplits) -> keras.Model:
    return preprocessed_net(config, data, name="mnist_conv_augmented")


def callbacks(config: Config) -> list[keras.callbacks.Callback]:
    """Warm up, then cosine to 0, set at every step from its place in the run (so a resumed run agrees)."""
    return [WarmupCosine(config.learning_rate, config.warmup_epochs)]


def published(config: Config) -> Published | None:
    """The MNIST target; none for Fashion-MNIST."""
    return Published(**PUBLISHED) if config.dataset == "mnist" else None


predict = predicting.predict  # kt predict RUN_DIR --image digit.png, or --example N: the net classifies them
