"""The parts of a trained image classifier that `kt visualize` looks at, and what it reads from them.

The layers with weights (Dense, Conv2D) are the net's units: the first one's weights are its filters, the last
one is the classifier (a Dense layer, softmax on top), the others are its hidden layers. A unit's *drive* is what
it computes before its activation function: the classifier's drive is the pre-softmax score of each class (the
logits). A layer's *activations* are its outputs as the next layer with weights reads them: after the batch
normalisation and ReLU that follow a linear layer in mnist_conv, else its own output.

Every value is computed in inference mode (dropout off, batch normalisation with its moving statistics), for
images of the recipe's `IMAGE_SHAPE` with pixels in [0, 1]; they are reshaped for a model that takes them flat.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf
from keras import layers

from kerastoolkit.errors import RunDirError

_WITH_WEIGHTS = (layers.Dense, layers.Conv2D)
_FOLLOWERS = (layers.BatchNormalization, layers.ReLU, layers.Activation)  # finish a linear layer's activations


class Net:
    """A trained classifier of images and the layers `kt visualize` looks at."""

    def __init__(self, model: keras.Model, image_shape: tuple[int, ...]) -> None:
        self.model = model
        self.image_shape = tuple(image_shape)
        self.units = [layer for layer in model.layers if isinstance(layer, _WITH_WEIGHTS)]
        if not self.units or not isinstance(self.units[-1], layers.Dense):
            raise RunDirError(f"the model {model.name} does not end in a Dense classifier; kt visualize cannot read it")
        self._sub_models: dict[str, keras.Model] = {}

    @property
    def first(self) -> keras.layers.Layer:
        """The first layer with weights: its weights are the filters the net looks at pixels with."""
        return self.units[0]

    @property
    def head(self) -> layers.Dense:
        """The classifier: one unit per class."""
        return self.units[-1]

    @property
    def hidden(self) -> layers.Dense | None:
        """The last hidden Dense layer (the one the classifier reads), or None (softmax regression, say)."""
        dense = [layer for layer in self.units[:-1] if isinstance(layer, layers.Dense)]
        return dense[-1] if dense else None

    @property
    def feature_layers(self) -> list[keras.layers.Layer]:
        """The layers whose channels or units are drawn: a conv net's convolutions but the first, else the hidden
        layers. (A first-layer channel, averaged over the picture, mostly wants a flat field; its kernels are
        drawn with the filters.)"""
        convolutions = [layer for layer in self.units if isinstance(layer, layers.Conv2D)]
        return convolutions[1:] or convolutions or self.units[:-1]

    def _values(self, tensor: Any, images: tf.Tensor) -> tf.Tensor:
        """`tensor`, a tensor of the model's graph, computed for `images`."""
        if tensor.name not in self._sub_models:
            self._sub_models[tensor.name] = keras.Model(self.model.inputs, tensor)
        model_input = tf.reshape(images, (-1, *self.model.input_shape[1:]))
        return self._sub_models[tensor.name](model_input, training=False)

    def activations(self, layer: keras.layers.Layer, images: tf.Tensor) -> tf.Tensor:
        """`layer`'s activations for `images`: (images, units) or (images, height, width, channels)."""
        return self._values(_activated(self.model, layer), images)

    def drive(self, layer: keras.layers.Layer, images: tf.Tensor) -> tf.Tensor:
        """What `layer` (Dense or Conv2D) computes for `images` before its activation function."""
        inputs = self._values(layer.input, images)
        if isinstance(layer, layers.Conv2D):
            outputs = layer.convolution_op(inputs, layer.kernel)
        else:
            outputs = tf.matmul(inputs, layer.kernel)
        return outputs + layer.bias if layer.use_bias else outputs

    def class_scores(self, images: tf.Tensor) -> tf.Tensor:
        """The pre-softmax score of every class for `images`: (images, classes)."""
        return self.drive(self.head, images)

    def unit_scores(self, layer: keras.layers.Layer, images: tf.Tensor) -> tf.Tensor:
        """How strongly each unit of `layer` responds to `images`: (images, units).

        A channel of a convolution: its activations averaged over the picture. A Dense unit: its drive (a ReLU
        unit that is off for an image would give gradient ascent nothing to climb).
        """
        if isinstance(layer, layers.Conv2D):
            return tf.reduce_mean(self.activations(layer, images), axis=(1, 2))
        return self.drive(layer, images)


def _activated(model: keras.Model, layer: keras.layers.Layer) -> Any:
    """The tensor of `layer`'s activations: its output, carried through the normalisation and activation layers
    that directly follow it."""
    tensor = layer.output
    for following in model.layers[model.layers.index(layer) + 1 :]:
        if not isinstance(following, _FOLLOWERS) or following.input is not tensor:
            break
        tensor = following.output
    return tensor
