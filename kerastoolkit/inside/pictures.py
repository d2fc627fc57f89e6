"""The pictures of `kt visualize`, one function each: it draws one PNG and says in a few words what it shows.

A picture the net has nothing for (softmax regression has no hidden layer) raises `Skipped` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from kerastoolkit.inside.ascent import ascend, noise
from kerastoolkit.inside.draw import activity_map, image_grid, in_rows
from kerastoolkit.inside.net import Net
from kerastoolkit.report import counted

FILTERS = 100  # first-layer filters shown at most
UNITS = 100  # hidden units in the activity map at most: the talk shows 100 of 625
CHANNELS = 8  # channels (or units) maximised per layer
DREAMS = 4  # test digits dreamt on


@dataclass
class Subject:
    """A trained net and what its pictures need: test digits in [0, 1], their labels, the class names, and the
    number of gradient-ascent steps."""

    net: Net
    digits: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    steps: int


class Skipped(Exception):
    """The net has nothing to draw for this picture; the message says why."""


Picture = Callable[[Subject, Path, np.random.Generator], str]


def _chosen(scores: tf.Tensor, units: Sequence[int]) -> tf.Tensor:
    """Image i's score for unit `units[i]`: (images, units) -> (images,)."""
    return tf.linalg.diag_part(tf.gather(scores, list(units), axis=1))


def first_layer_filters(subject: Subject, path: Path, rng: np.random.Generator) -> str:
    """The first layer's weights, one small picture per unit: the strokes (Dense) or edges (Conv2D) it looks for."""
    layer = subject.net.first
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    if isinstance(layer, keras.layers.Conv2D):  # (height, width, channels in, filters): the kernels, side by side
        filters = kernel.mean(axis=2).transpose(2, 0, 1)
        what = f"the {len(filters)} {kernel.shape[0]}x{kernel.shape[1]} kernels of {layer.name}"
    else:  # (pixels, units): each unit's weight for each pixel, as a picture
        filters = kernel.T.reshape(-1, *subject.net.image_shape)
        some = f"{FILTERS} of the" if len(filters) > FILTERS else "the"
        what = f"the weights of {some} {len(filters)} units of {layer.name}, each as a picture"
    shown = filters[:FILTERS]
    captions = in_rows(subject.class_names) if layer is subject.net.head else None  # softmax regression: templates
    image_grid(in_rows(shown), path, f"First layer: {what}", captions=captions)
    return what


def hidden_activity(subject: Subject, path: Path, rng: np.random.Generator) -> str:
    """How the hidden units respond to test digits: a column per digit, sorted by class, a row per unit."""
    layer = subject.net.hidden
    if layer is None:
        raise Skipped("the net has no hidden layer")
    activity = keras.ops.convert_to_numpy(subject.net.activations(layer, subject.digits))
    order = np.argsort(subject.labels, kind="stable")
    units = min(UNITS, activity.shape[1])
    what = f"{units} of the {activity.shape[1]} units of {layer.name} over {len(order)} test digits"
    activity_map(activity[order, :units].T, subject.labels[order], subject.class_names, path, f"Activity of {what}")
    return what


def class_inputs(net: Net, steps: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The starting noise and, for each class, the input grown from it by gradient ascent on the class's
    pre-softmax score (Simonyan, Vedaldi & Zisserman 2014): image i for class i."""
    classes = list(range(net.head.units))
    start = noise(rng, len(classes), net.image_shape)
    return start, ascend(lambda x: _chosen(net.class_scores(x), classes), start, steps, rng)


def class_maximisation(subject: Subject, path: Path, rng: np.random.Generator) -> str:
    """For each class, an input grown from noise to make the class's score large, and the net's probability."""
    _, images = class_inputs(subject.net, subject.steps, rng)
    probabilities = keras.ops.convert_to_numpy(tf.nn.softmax(subject.net.class_scores(images)))
    captions = [f"{name}: p {probabilities[c, c]:.2f}" for c, name in enumerate(subject.class_names[: len(images)])]
    what = f"an input for each of the {len(images)} classes, {counted(subject.steps, 'step')} from noise"
    image_grid(in_rows(images), path, f"What the net sees in each class: {what}", captions=in_rows(captions))
    return what


def channel_maximisation(subject: Subject, path: Path, rng: np.random.Generator) -> str:
    """For the most active channels (or units) of each layer, an input grown from noise to excite it."""
    net = subject.net
    if not net.feature_layers:
        raise Skipped("the net has no hidden layer")
    rows, captions = [], []
    for layer in net.feature_layers:
        on_digits = keras.ops.convert_to_numpy(net.unit_scores(layer, subject.digits)).mean(axis=0)
        units = np.argsort(-on_digits, kind="stable")[:CHANNELS]  # the most active on the test digits
        objective = _unit_objective(net, layer, units)
        rows.append(ascend(objective, noise(rng, len(units), net.image_shape), subject.steps, rng))
        captions.append([f"#{unit}" for unit in units])
    kind = "channels" if isinstance(net.feature_layers[0], keras.layers.Conv2D) else "units"
    names = ", ".join(layer.name for layer in net.feature_layers)
    what = f"the {CHANNELS} most active {kind} of {names}, {counted(subject.steps, 'step')} from noise"
    title = f"What excites the {CHANNELS} {kind} most active on test digits"
    image_grid(rows, path, title, captions=captions, row_labels=[layer.name for layer in net.feature_layers])
    return what


def _unit_objective(net: Net, layer: keras.layers.Layer, units: Sequence[int]) -> Callable[[tf.Tensor], tf.Tensor]:
    return lambda images: _chosen(net.unit_scores(layer, images), units)


def deepdream(subject: Subject, path: Path, rng: np.random.Generator) -> str:
    """A few test digits before and after amplifying what the last conv (or hidden) layer sees in them.

    The quantity made larger is how much the layer's activations for the image differ from their average over
    the test digits in the way they differ for the digit itself: the dream is guided by the digit, so the
    features that set it apart grow. (DeepDream's plain objective, the squared activations, drifts on a net
    this small to one picture from any digit: for mnist_mlp's sigmoid layer, a black square.)
    """
    net = subject.net
    if not net.feature_layers:
        raise Skipped("the net has no hidden layer")
    layer = net.feature_layers[-1]
    average = tf.reduce_mean(net.activations(layer, subject.digits), axis=0)
    before = subject.digits[:DREAMS]
    seen = net.activations(layer, before) - average
    after = ascend(lambda x: _along(net.activations(layer, x) - average, seen), before, subject.steps, rng)
    captions = [_verdicts(subject, before), _verdicts(subject, after)]
    what = f"{len(before)} test digits before and after {subject.steps} steps amplifying what {layer.name} sees"
    image_grid(
        [before, after],
        path,
        f"DeepDream: {what}",
        captions=captions,
        row_labels=["before", "after"],
        stretch=False,
    )
    return what


def _along(activations: tf.Tensor, direction: tf.Tensor) -> tf.Tensor:
    """Each image's activations projected on its own `direction` (mean of the products): (images,)."""
    return tf.reduce_mean(tf.reshape(activations * direction, (tf.shape(activations)[0], -1)), axis=1)


def _verdicts(subject: Subject, images: np.ndarray) -> list[str]:
    """What the net makes of each image: its class and probability."""
    probabilities = keras.ops.convert_to_numpy(tf.nn.softmax(subject.net.class_scores(images)))
    return [f"net: {subject.class_names[p.argmax()]} ({p.max():.2f})" for p in probabilities]


PICTURES: dict[str, Picture] = {
    "first_layer_filters.png": first_layer_filters,
    "hidden_activity.png": hidden_activity,
    "class_maximisation.png": class_maximisation,
    "channel_maximisation.png": channel_maximisation,
    "deepdream.png": deepdream,
}
