"""Width normalisation of digits: each digit stretched or squeezed sideways to one bounding-box width.

Ciresan, Meier & Schmidhuber 2012 ("Multi-column deep neural networks for image classification", CVPR) make
their MNIST committee diverse by training its columns on differently preprocessed copies of the digits: the
original ones and copies whose bounding box is normalised to one width each (10 to 20 pixels, as the paper is
usually quoted; not confirmed here with the search tool). `WidthNormalization(width)` does that inside the model:
it finds each image's inked columns (a pixel above `threshold`), scales the image horizontally about the box's
centre so that the box is `width` pixels wide, and puts the box's centre on the image's centre column; rows are
left as they are (MNIST digits are already 20 pixels tall). A blank image passes through unchanged. The layer
has no weights and is a registered Keras serializable, so a saved committee applies each member's normalisation
to raw digits and loads with safe_mode on.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from kerastoolkit.vision.augment import bilinear


@keras.saving.register_keras_serializable(package="kerastoolkit")
class WidthNormalization(keras.layers.Layer):
    """Images (batch, height, width, channels) in [0, 1] with each digit's bounding box `width` pixels wide."""

    def __init__(self, width: int, threshold: float = 0.25, **kwargs: Any):
        super().__init__(**kwargs)
        if width < 1:
            raise ValueError(f"width must be at least 1 pixel, not {width}")
        self.width = width
        self.threshold = threshold

    def call(self, inputs: Any) -> Any:
        images = tf.convert_to_tensor(inputs)
        shape = tf.shape(images)
        left, right = inked_columns(images, self.threshold)
        blank = right < left
        box = tf.cast(right - left + 1, images.dtype)
        centre_of_box = tf.cast(left + right, images.dtype) / 2
        centre = (tf.cast(shape[2], images.dtype) - 1) / 2
        scale = tf.where(blank, 1.0, self.width / tf.maximum(box, 1.0))
        centre_of_box = tf.where(blank, centre, centre_of_box)
        ys, xs = tf.meshgrid(
            tf.range(tf.cast(shape[1], images.dtype)), tf.range(tf.cast(shape[2], images.dtype)), indexing="ij"
        )
        # The column each output column reads: back from the image centre to the box centre, unscaled.
        source_x = centre_of_box[:, None, None] + (xs[None] - centre) / scale[:, None, None]
        source_y = tf.broadcast_to(ys[None], tf.shape(source_x))
        return tf.clip_by_value(bilinear(images, source_y, source_x), 0.0, 1.0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "width": self.width, "threshold": self.threshold}


def inked_columns(images: tf.Tensor, threshold: float) -> tuple[tf.Tensor, tf.Tensor]:
    """The first and last column of each image with a pixel above `threshold` (a blank image: width, -1)."""
    inked = tf.reduce_max(images, axis=(1, 3)) > threshold  # (batch, image width)
    columns = tf.range(tf.shape(inked)[1])[None]
    left = tf.reduce_min(tf.where(inked, columns, tf.shape(inked)[1]), axis=1)
    right = tf.reduce_max(tf.where(inked, columns, -1), axis=1)
    return left, right


def bounding_box_widths(images: Any, threshold: float = 0.25) -> Any:
    """The width in pixels of each image's inked columns (0 for a blank image), as a NumPy array."""
    left, right = inked_columns(tf.convert_to_tensor(images, tf.float32), threshold)
    return tf.maximum(right - left + 1, 0).numpy()
