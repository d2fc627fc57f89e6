"""The MNIST conv net of `recipes/mnist_conv.py`, shared by the image recipes (augmented, committee members).

Two blocks of two 3x3 convolutions (`filters`, then twice as many) with batch normalisation and 2x2 max pooling,
a dense layer with dropout, a softmax; Adam, label smoothing. Optional preprocessing layers go first, so the
saved model holds them: a committee member's width normalisation (`vision.width`), then standardisation or ZCA
whitening fitted on the training split (`vision.whitening`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers

from kerastoolkit.losses import SparseSmoothedCrossentropy
from kerastoolkit.vision.whitening import fitted_preprocessing
from kerastoolkit.vision.width import WidthNormalization

IMAGE_SHAPE = (28, 28, 1)


def conv_block(x: keras.KerasTensor, filters: int, momentum: float) -> keras.KerasTensor:
    """Two 3x3 convolutions, each batch-normalised before its ReLU, then 2x2 max pooling."""
    for _ in range(2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=momentum)(x)
        x = layers.ReLU()(x)
    return layers.MaxPooling2D()(x)


def conv_net(config: Any, *, name: str = "mnist_conv", preprocessing: Sequence[keras.layers.Layer] = ()) -> keras.Model:
    """The compiled net of a `vision.config.ConvNetConfig`, images of IMAGE_SHAPE in, class probabilities out."""
    inputs = x = keras.Input(IMAGE_SHAPE)
    for layer in preprocessing:
        x = layer(x)
    x = conv_block(x, config.filters, config.bn_momentum)
    x = conv_block(x, 2 * config.filters, config.bn_momentum)
    x = layers.Flatten()(x)
    x = layers.Dense(config.dense_units, use_bias=False)(x)
    x = layers.BatchNormalization(momentum=config.bn_momentum)(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(config.dropout)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=SparseSmoothedCrossentropy(config.label_smoothing)
        if config.label_smoothing
        else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def training_images(data: Any, layer: keras.layers.Layer | None = None) -> np.ndarray:
    """The whole training split's images as one array (to fit preprocessing on), through `layer` if given."""
    batches = (images for images, *_ in data.train.batch(8192).as_numpy_iterator())
    return np.concatenate([layer(images).numpy() if layer else images for images in batches])


def preprocessed_net(config: Any, data: Any, *, name: str, width: int = 0) -> keras.Model:
    """`conv_net` behind the width normalisation to `width` pixels (0: none) and the config's `preprocess`
    (none, standardise, zca) fitted on `data`'s training split as the net sees it (width-normalised)."""
    normalise = WidthNormalization(width) if width else None
    layers_before = [normalise] if normalise else []
    if config.preprocess != "none":
        images = training_images(data, normalise)
        layers_before.append(fitted_preprocessing(config.preprocess, images))
    return conv_net(config, name=name, preprocessing=layers_before)
