"""Width normalisation (`kerastoolkit.vision.width`): a digit's bounding box comes out the asked width, centred,
rows untouched; a blank image passes through; the layer saves and loads with safe_mode on."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import require_data

from kerastoolkit.data.mnist import MNIST_FILES, read_idx
from kerastoolkit.vision.width import WidthNormalization, bounding_box_widths


def bar(left: int, width: int, rows: slice = slice(4, 24)) -> np.ndarray:
    """One 28x28 image (with batch and channel axes) inked in columns left .. left + width - 1."""
    image = np.zeros((1, 28, 28, 1), np.float32)
    image[0, rows, left : left + width] = 1.0
    return image


@pytest.mark.parametrize("width", [10, 14, 20])
def test_a_narrow_off_centre_bar_comes_out_the_asked_width_and_centred(width):
    out = WidthNormalization(width)(bar(left=3, width=6)).numpy()
    # Above half ink: bilinear upsampling softens the bar's edges over a few columns either side.
    assert abs(int(bounding_box_widths(out, threshold=0.5)[0]) - width) <= 1
    columns = np.flatnonzero(out[0].max(axis=(0, 2)) > 0.5)
    assert abs((columns[0] + columns[-1]) / 2 - 13.5) <= 1.0
    assert (out[0, :4] == 0).all() and (out[0, 24:] == 0).all()  # rows are left where they were
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_a_wide_bar_is_squeezed_and_a_blank_image_is_unchanged():
    images = np.concatenate([bar(left=2, width=24), np.zeros((1, 28, 28, 1), np.float32)])
    out = WidthNormalization(12)(images).numpy()
    assert abs(int(bounding_box_widths(out, threshold=0.5)[0]) - 12) <= 1
    np.testing.assert_array_equal(out[1], 0.0)
    assert bounding_box_widths(images).tolist() == [24, 0]


def test_mnist_digits_come_out_near_the_width(shared_data_dir):
    digits = read_idx(require_data(shared_data_dir / MNIST_FILES["test_images"].path))[:200]
    images = (digits[..., None] / 255.0).astype(np.float32)
    widths = bounding_box_widths(WidthNormalization(16)(images).numpy())
    assert np.median(np.abs(widths - 16)) <= 1
    assert np.std(bounding_box_widths(images)) > 2 * np.std(widths)  # the raw digits' widths vary much more


def test_width_normalization_saves_and_loads_with_safe_mode(tmp_path):
    inputs = keras.Input((28, 28, 1))
    model = keras.Model(inputs, WidthNormalization(14)(inputs))
    path = tmp_path / "width.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    images = bar(left=5, width=8)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0))


def test_a_width_below_one_pixel_is_refused():
    with pytest.raises(ValueError, match="at least 1 pixel"):
        WidthNormalization(0)
