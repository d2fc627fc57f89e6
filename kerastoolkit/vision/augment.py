"""Distortions of training images on tf.data: elastic, rotation, translation, scaling, one resampling per batch.

`Distorter(config)` turns a recipe's declared augmentation (`vision.config.AugmentConfig`: `augment=elastic`,
`elastic_alpha`, `elastic_sigma`, `rotation`, `translation`, `scaling`) into a function of one batch of
`(images, labels)` and a stateless seed; `data.pipeline.training_epochs` applies it after the batch gather, in
parallel (`num_parallel_calls=AUTOTUNE, deterministic=True`), seeding each batch from (stage seed, epoch, batch
index in the epoch). Every draw is a `tf.random.stateless_*` op of that seed, so the same seed gives the same
distortions and a run resumed at epoch `e` replays exactly the distorted batches an uninterrupted run saw.
Keras's `RandomRotation`, `RandomTranslation`, `RandomZoom` and `RandomElasticTransform` layers draw from a
stateful `SeedGenerator` whose state depends on how many batches came before (and is not restored by
`BackupAndRestore`), which breaks that guarantee: hence these few transforms of our own.

Each image gets one sampling grid, the pixel it reads from: an affine map (rotation by an angle uniform in
+-`rotation` degrees, each axis scaled by a factor uniform in 1 +- `scaling`, a shift uniform in +-`translation`
of the image size, all about the image centre) plus an elastic displacement field (Simard, Steinkraus & Platt
2003, "Best practices for convolutional neural networks applied to visual document analysis", ICDAR: a field
of displacements uniform in [-1, 1] per pixel and axis, smoothed by a Gaussian of std `sigma` and scaled by
`alpha`). The image is then read bilinearly at that grid, zero outside: one gather of four neighbours for the
whole batch, so all distortions together cost one resampling.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

AFFINE = ("rotation", "translation", "scaling")
VERSIONS = 6  # distorted versions of each image in augmentation.png


def enabled(config: Any) -> set[str]:
    """The distortions a config asks for with a strength above 0 ("affine" standing for its three parts)."""
    names = set(getattr(config, "augment", ()) or ())
    if "affine" in names:
        names |= set(AFFINE)
    strengths = {
        "elastic": config.elastic_alpha if "elastic" in names else 0.0,
        **{name: getattr(config, name) for name in AFFINE if name in names},
    }
    return {name for name, strength in strengths.items() if strength > 0}


def gaussian_kernel(sigma: float) -> np.ndarray:
    """A normalised 1-D Gaussian of std `sigma`, out to 3 sigma either side."""
    radius = max(int(math.ceil(3 * sigma)), 1)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return (taps / taps.sum()).astype(np.float32)


def blur_matrix(size: int, sigma: float) -> np.ndarray:
    """(size, size): row i the Gaussian of std `sigma` centred on pixel i, cut at the border (zero padding)."""
    taps = gaussian_kernel(sigma)
    radius = len(taps) // 2
    offsets = np.arange(size)[None, :] - np.arange(size)[:, None] + radius
    inside = (offsets >= 0) & (offsets < len(taps))
    return np.where(inside, taps[np.clip(offsets, 0, len(taps) - 1)], 0.0).astype(np.float32)


def smooth(fields: tf.Tensor, sigma: float) -> tf.Tensor:
    """Each channel of `fields` (batch, height, width, channels) blurred by a Gaussian, zero-padded: the same
    as a convolution, as two small matrix products (cheaper on a CPU than a 6-sigma-wide kernel)."""
    rows = tf.constant(blur_matrix(fields.shape[1], sigma))
    columns = tf.constant(blur_matrix(fields.shape[2], sigma))
    return tf.einsum("ij,bjkc,lk->bilc", rows, fields, columns)


def bilinear(images: tf.Tensor, ys: tf.Tensor, xs: tf.Tensor) -> tf.Tensor:
    """`images` (batch, height, width, channels) read at rows `ys` and columns `xs` (batch, height, width),
    bilinearly, 0 outside the image."""
    shape = tf.shape(images)
    batch, height, width = shape[0], shape[1], shape[2]
    padded = tf.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))  # a ring of zeros: everything outside reads it
    flat = tf.reshape(padded, (-1, images.shape[-1]))
    base = tf.reshape(tf.range(batch) * (height + 2) * (width + 2), (-1, 1, 1))
    y0, x0 = tf.floor(ys), tf.floor(xs)
    wy, wx = (ys - y0)[..., None], (xs - x0)[..., None]
    y0, x0 = tf.cast(y0, tf.int32), tf.cast(x0, tf.int32)

    def at(y: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
        row = tf.clip_by_value(y + 1, 0, height + 1)
        column = tf.clip_by_value(x + 1, 0, width + 1)
        return tf.gather(flat, base + row * (width + 2) + column)

    top = at(y0, x0) * (1 - wx) + at(y0, x0 + 1) * wx
    bottom = at(y0 + 1, x0) * (1 - wx) + at(y0 + 1, x0 + 1) * wx
    return top * (1 - wy) + bottom * wy


class Distorter:
    """The declared distortions of a config as `(batch, seed) -> batch`, for `training_epochs(augment=...)`."""

    def __init__(self, config: Any):
        self.names = enabled(config)
        self.alpha, self.sigma = config.elastic_alpha, config.elastic_sigma
        self.rotation = math.radians(config.rotation) if "rotation" in self.names else 0.0
        self.translation = config.translation if "translation" in self.names else 0.0
        self.scaling = config.scaling if "scaling" in self.names else 0.0

    def __bool__(self) -> bool:
        return bool(self.names)

    def __call__(self, batch: Any, seed: tf.Tensor) -> Any:
        """`(images, labels)` with the images distorted; `seed` is a stateless seed, shape (2,)."""
        images, *rest = batch
        return (self.distort(images, seed), *rest)

    def distort(self, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """Images (batch, height, width, channels) in [0, 1], each distorted by its own draw from `seed`."""
        batch = tf.shape(images)[0]
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        limits = tf.constant([self.rotation, self.scaling, self.scaling, self.translation, self.translation])
        affine = tf.random.stateless_uniform((batch, 5), seeds[0], -1.0, 1.0) * limits
        if "elastic" not in self.names:
            return self._resample(images, affine)
        field = tf.random.stateless_uniform((batch, *images.shape[1:3], 2), seeds[1], -1.0, 1.0)
        return self._resample(images, affine, field)

    def _resample(self, images: tf.Tensor, affine: tf.Tensor, field: tf.Tensor | None = None) -> tf.Tensor:
        """`images` read at the grid of `affine` (angle, y and x scale - 1, y and x shift as fractions: (batch,
        5)) plus the smoothed `field`; XLA-compiled (the random draws stay outside, so they are XLA's or not)."""
        return _compiled_resample(images, affine, field, self.alpha, self.sigma)


@functools.partial(tf.function, jit_compile=True, reduce_retracing=True)
def _compiled_resample(
    images: tf.Tensor, affine: tf.Tensor, field: tf.Tensor | None, alpha: float, sigma: float
) -> tf.Tensor:
    """Fused into a few kernels by XLA: about twice as fast on a CPU as the same ops one by one."""
    shape = tf.shape(images)
    height, width = tf.cast(shape[1], tf.float32), tf.cast(shape[2], tf.float32)
    ys, xs = tf.meshgrid(tf.range(height), tf.range(width), indexing="ij")
    cy, cx = (height - 1) / 2, (width - 1) / 2
    ys, xs = ys[None] - cy, xs[None] - cx  # about the centre, (1, height, width)
    angle, scale_y, scale_x, shift_y, shift_x = (affine[:, i, None, None] for i in range(5))
    cos, sin = tf.cos(angle), tf.sin(angle)
    # The pixel each output pixel reads: rotated back, unscaled, unshifted.
    source_y = (cos * ys - sin * xs) / (1 + scale_y) + cy - shift_y * height
    source_x = (sin * ys + cos * xs) / (1 + scale_x) + cx - shift_x * width
    if field is not None:
        field = alpha * smooth(field, sigma)
        source_y, source_x = source_y + field[..., 0], source_x + field[..., 1]
    return tf.clip_by_value(bilinear(images, source_y, source_x), 0.0, 1.0)


def distorter(config: Any) -> Distorter | None:
    """The config's distortions, or None when it declares none (or is no `AugmentConfig`)."""
    if not hasattr(config, "augment"):
        return None
    return Distorter(config) or None


def examples(images: np.ndarray, distort: Distorter, versions: int, seed: int) -> np.ndarray:
    """`versions` distorted copies of each image, (images, versions, height, width, channels)."""
    tiled = np.repeat(images, versions, axis=0)
    out = distort.distort(tf.constant(tiled, tf.float32), tf.constant([seed, 0], tf.int64)).numpy()
    return out.reshape(len(images), versions, *images.shape[1:])


def draw_examples(train: tf.data.Dataset, distort: Distorter, path: Path, seed: int, count: int = 8) -> None:
    """`augmentation.png`: the first `count` training images, each beside `VERSIONS` distorted versions."""
    from kerastoolkit.inside.draw import image_grid

    images = np.stack([image for image, *_ in train.take(count).as_numpy_iterator()])
    versions = examples(images, distort, VERSIONS, seed)
    rows = [[image, *copies] for image, copies in zip(images, versions, strict=True)]
    captions = [["original", *(f"distorted {i + 1}" for i in range(VERSIONS))]] * len(rows)
    title = "training images and their distortions: " + ", ".join(sorted(distort.names))
    image_grid(rows, path, title, captions=captions, stretch=False)
