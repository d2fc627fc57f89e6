"""Gradient ascent on the input: change an image, pixel by pixel, so that a chosen unit responds more.

Left alone, the ascent finds high-frequency noise that excites the unit as much as any digit would; the usual
regularisation keeps the images readable (Yosinski et al. 2015, "Understanding neural networks through deep
visualization"; Mordvintsev, Olah & Tyka 2015, "Inceptionism", the DeepDream of the talks):

- jitter: before each step the image is shifted at random by a pixel or two (and the gradient shifted back), so
  no pattern that works at one exact position only survives;
- blur: a small Gaussian blur every few steps removes what is left of the high frequencies;
- L2 decay: every step shrinks the pixels a little towards 0, the background of a digit, so only the pixels the
  unit really wants stay lit;
- clipping: pixels stay in [0, 1], the range the net was trained on.

Each step moves the pixels by `step_size` on average (the gradient is divided by its mean absolute value), so
the same settings serve a class score, a channel and DeepDream alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

Objective = Callable[[tf.Tensor], tf.Tensor]  # images -> one score per image, to be made larger


@dataclass(frozen=True)
class Regularisation:
    step_size: float = 0.05  # mean change of a pixel in one step
    jitter: int = 2  # the largest random shift, in pixels
    blur_every: int = 4  # steps between two blurs
    blur_sigma: float = 0.5  # the blur's standard deviation, in pixels
    decay: float = 0.01  # the fraction by which every pixel shrinks in one step


def noise(rng: np.random.Generator, count: int, image_shape: tuple[int, ...]) -> np.ndarray:
    """`count` images of faint random noise, the starting point of the ascents that start from nothing."""
    return rng.uniform(0.0, 0.2, size=(count, *image_shape)).astype("float32")


def ascend(
    objective: Objective,
    start: np.ndarray,
    steps: int,
    rng: np.random.Generator,
    regularisation: Regularisation = Regularisation(),  # noqa: B008  (frozen: one shared default is safe)
) -> np.ndarray:
    """`start` after `steps` steps of regularised gradient ascent on `objective`, each image on its own score."""
    step = _step_function(objective, regularisation)
    images = tf.constant(start, tf.float32)
    for number in range(1, steps + 1):
        shift = rng.integers(-regularisation.jitter, regularisation.jitter + 1, size=2)
        images = step(images, tf.constant(shift, tf.int32), tf.constant(number % regularisation.blur_every == 0))
    return images.numpy()


def _step_function(objective: Objective, r: Regularisation) -> Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]:
    @tf.function
    def step(images: tf.Tensor, shift: tf.Tensor, blur: tf.Tensor) -> tf.Tensor:
        shifted = tf.roll(images, shift, axis=[1, 2])
        with tf.GradientTape() as tape:
            tape.watch(shifted)
            score = tf.reduce_sum(objective(shifted))  # images do not meet: each gets the gradient of its own score
        gradient = tf.roll(tape.gradient(score, shifted), -shift, axis=[1, 2])
        gradient /= tf.reduce_mean(tf.abs(gradient), axis=[1, 2, 3], keepdims=True) + 1e-8
        images = images * (1.0 - r.decay) + r.step_size * gradient
        images = tf.cond(blur, lambda: gaussian_blur(images, r.blur_sigma), lambda: images)
        return tf.clip_by_value(images, 0.0, 1.0)

    return step


def gaussian_blur(images: tf.Tensor, sigma: float) -> tf.Tensor:
    """`images` (count, height, width, channels) blurred by a Gaussian of `sigma` pixels, each channel alone."""
    radius = max(1, math.ceil(2 * sigma))
    offsets = np.arange(-radius, radius + 1, dtype="float32")
    weights = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel = np.outer(weights, weights) / np.outer(weights, weights).sum()
    channels = images.shape[-1]
    kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1)).astype("float32")
    return tf.nn.depthwise_conv2d(images, kernel, strides=[1, 1, 1, 1], padding="SAME")
