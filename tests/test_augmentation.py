"""Distortions on tf.data (kerastoolkit.vision.augment): their effect on known images, determinism by seed and
(epoch, batch), the replay a resumed run relies on; ZCA whitening; bad augmentation settings refused."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from kerastoolkit.cli import cli
from kerastoolkit.data.pipeline import training_epochs
from kerastoolkit.errors import InputError
from kerastoolkit.vision.augment import Distorter, bilinear, blur_matrix, distorter, enabled, gaussian_kernel, smooth
from kerastoolkit.vision.committee import members_of
from kerastoolkit.vision.config import AugmentConfig
from kerastoolkit.vision.whitening import Whitening, fitted_preprocessing, zca


def blob(count: int = 16) -> np.ndarray:
    """`count` copies of a 6x4 white block left of the centre of a black 28x28 image."""
    images = np.zeros((count, 28, 28, 1), np.float32)
    images[:, 11:17, 8:12] = 1.0
    return images


def centre_of_mass(images: np.ndarray) -> np.ndarray:
    """(count, 2): the row and column of each image's centre of mass."""
    ys, xs = np.meshgrid(np.arange(28), np.arange(28), indexing="ij")
    mass = images[..., 0].sum(axis=(1, 2))
    return np.stack([(images[..., 0] * ys).sum(axis=(1, 2)), (images[..., 0] * xs).sum(axis=(1, 2))], 1) / mass[:, None]


def distort(images: np.ndarray, seed: tuple[int, int] = (1, 2), **settings) -> np.ndarray:
    config = AugmentConfig(**{"rotation": 0.0, "translation": 0.0, "scaling": 0.0, **settings})
    return Distorter(config).distort(tf.constant(images), tf.constant(seed, tf.int64)).numpy()


def test_bilinear_reading_shifted_coordinates_shifts_the_digit():
    images = blob(1)
    ys, xs = np.meshgrid(np.arange(28, dtype=np.float32), np.arange(28, dtype=np.float32), indexing="ij")
    same = bilinear(tf.constant(images), tf.constant(ys[None]), tf.constant(xs[None])).numpy()
    np.testing.assert_array_equal(same, images)
    shifted = bilinear(tf.constant(images), tf.constant(ys[None] - 3), tf.constant(xs[None] + 2)).numpy()
    np.testing.assert_array_equal(shifted[0, 14:20, 6:10], 1.0)  # 3 rows down, 2 columns left
    assert shifted.sum() == images.sum()
    half = bilinear(tf.constant(images), tf.constant(ys[None]), tf.constant(xs[None] + 0.5)).numpy()
    assert half[0, 12, 7] == pytest.approx(0.5) and half[0, 12, 11] == pytest.approx(0.5)


def test_translation_moves_each_digit_by_at_most_its_limit():
    images = blob()
    moved = distort(images, augment=("translation",), translation=0.1)
    assert moved.shape == images.shape and moved.min() >= 0.0 and moved.max() <= 1.0
    shifts = centre_of_mass(moved) - centre_of_mass(images)
    assert np.abs(shifts).max() <= 0.1 * 28 + 1e-3
    assert np.abs(shifts).max() > 1.0 and len(np.unique(shifts.round(3), axis=0)) == len(images)  # each its own
    np.testing.assert_allclose(moved.sum(axis=(1, 2, 3)), images.sum(axis=(1, 2, 3)), rtol=1e-4)  # moved, not cut


def test_rotation_turns_a_bar_by_at_most_its_limit():
    bar = np.zeros((16, 28, 28, 1), np.float32)
    bar[:, 13:15, 4:24] = 1.0  # horizontal
    turned = distort(bar, augment=("rotation",), rotation=30.0)
    angles = []
    for image in turned[..., 0]:
        ys, xs = np.nonzero(image > 0.5)
        slope = np.polyfit(xs, ys, 1)[0]
        angles.append(np.degrees(np.arctan(slope)))
    assert np.abs(angles).max() <= 32 and np.abs(angles).max() > 5
    np.testing.assert_allclose(centre_of_mass(turned), centre_of_mass(bar), atol=0.3)  # about the centre


def test_scaling_changes_the_area_within_its_limit():
    images = blob()
    scaled = distort(images, augment=("scaling",), scaling=0.2)
    ratio = scaled.sum(axis=(1, 2, 3)) / images.sum(axis=(1, 2, 3))
    assert ratio.min() >= 0.8**2 - 0.05 and ratio.max() <= 1.2**2 + 0.05 and ratio.std() > 0.02


def test_elastic_distortion_bends_a_digit_locally():
    images = blob()
    bent = distort(images, augment=("elastic",), elastic_alpha=34.0, elastic_sigma=4.0)
    assert bent.shape == images.shape and bent.min() >= 0.0 and bent.max() <= 1.0
    assert np.abs(bent - images).sum(axis=(1, 2, 3)).min() > 1.0  # every image changed
    # Bent, not thrown away: the smoothed field moves pixels by about alpha / (2 sqrt(3 pi) sigma) = 1.4 px (std).
    moved = np.abs(centre_of_mass(bent) - centre_of_mass(images))
    assert moved.mean() < 2.5 and moved.max() < 6.0 and moved.mean() > 0.2


def test_smoothing_is_a_zero_padded_gaussian_convolution():
    taps = gaussian_kernel(2.0)
    assert taps.sum() == pytest.approx(1.0) and len(taps) == 13
    field = np.random.default_rng(0).uniform(-1, 1, (1, 28, 28, 1)).astype(np.float32)
    rows = np.stack([np.convolve(column, taps, "same") for column in field[0, :, :, 0].T], 1)
    expected = np.stack([np.convolve(row, taps, "same") for row in rows])
    np.testing.assert_allclose(smooth(tf.constant(field), 2.0).numpy()[0, :, :, 0], expected, atol=1e-5)
    assert blur_matrix(28, 2.0).shape == (28, 28)


def test_declared_names_and_strengths():
    assert enabled(AugmentConfig(augment=("affine",))) == {"rotation", "translation", "scaling"}
    assert enabled(AugmentConfig(augment=("elastic", "rotation"), rotation=0.0)) == {"elastic"}
    assert distorter(AugmentConfig(augment=("none",))) is None
    assert distorter(object()) is None  # a recipe without augmentation


def test_same_seed_same_distortions_and_each_batch_its_own():
    images = blob()
    settings = {"augment": ("elastic", "affine"), "rotation": 10.0, "translation": 0.1, "scaling": 0.1}
    first, again = distort(images, (5, 7), **settings), distort(images, (5, 7), **settings)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - distort(images, (5, 8), **settings)).max() > 0.1
    assert np.abs(first - distort(images, (6, 7), **settings)).max() > 0.1


def batches(dataset: tf.data.Dataset) -> list[np.ndarray]:
    return [images for images, _ in dataset.as_numpy_iterator()]


def test_resumed_epochs_replay_the_same_distorted_batches():
    examples = tf.data.Dataset.from_tensor_slices((blob(40), np.arange(40)))
    augment = Distorter(AugmentConfig(augment=("elastic", "affine")))
    common = {"num_examples": 40, "batch_size": 16, "augment": augment, "epochs": 3}
    whole, steps = training_epochs(examples, seed=3, first_epoch=0, **common)
    resumed, _ = training_epochs(examples, seed=3, first_epoch=2, **common)
    whole_batches = batches(whole)
    assert steps == 3 and len(whole_batches) == 9
    for straight, replayed in zip(whole_batches[6:], batches(resumed), strict=True):
        np.testing.assert_array_equal(straight, replayed)
    np.testing.assert_array_equal(
        whole_batches[0], batches(training_epochs(examples, seed=3, first_epoch=0, **common)[0])[0]
    )
    other, _ = training_epochs(examples, seed=4, first_epoch=0, **common)
    assert np.abs(batches(other)[0] - whole_batches[0]).max() > 0.1
    assert np.abs(whole_batches[0] - whole_batches[3]).max() > 0.1  # each epoch distorts afresh


def test_zca_whitening_decorrelates_to_unit_covariance(tmp_path):
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(16, 16))
    sample = (rng.normal(size=(4000, 16)) @ mixing + 3.0).reshape(4000, 4, 4, 1).astype(np.float32)
    mean, matrix = zca(sample, epsilon=1e-6)
    whitened = (sample.reshape(4000, -1) - mean) @ matrix
    np.testing.assert_allclose(np.cov(whitened, rowvar=False), np.eye(16), atol=0.02)
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-4)  # ZCA: the symmetric whitening, images stay images
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, Whitening(16).set_fitted(mean, matrix)(inputs))
    model.save(tmp_path / "zca.keras")
    loaded = keras.saving.load_model(tmp_path / "zca.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(sample[:5], verbose=0).reshape(5, -1), whitened[:5], atol=1e-3)


def test_standardisation_is_keras_normalization_fitted_on_the_images():
    images = np.random.default_rng(1).uniform(0, 1, (100, 4, 4, 1)).astype(np.float32)
    layer = fitted_preprocessing("standardise", images)
    out = keras.ops.convert_to_numpy(layer(images))
    assert isinstance(layer, keras.layers.Normalization)
    assert abs(out.mean()) < 1e-4 and out.std() == pytest.approx(1.0, abs=1e-3)
    assert fitted_preprocessing("none", images) is None


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("augment=elastic,blur", "bad value for augment"),
        ("elastic_alpha=-1", "elastic_alpha=-1.0 is too small"),
        ("elastic_sigma=0", "elastic_sigma=0.0 is too small"),
        ("elastic_sigma=40", "elastic_sigma=40.0 is too large"),
        ("rotation=-5", "rotation=-5.0 is too small"),
        ("scaling=1", "scaling=1.0 is too large"),
        ("members=0", "members=0 is too small"),
        ("augment=", "augment lists no distortion: give augment=none for none"),
        ("augment=none,elastic", "augment=none,elastic: none cannot be combined with a distortion"),
        ("augment=elastic,elastic", "augment=elastic,elastic names a distortion twice"),
        ("warmup_epochs=16", "warmup_epochs=16 is longer than the run (epochs=15)"),
    ],
)
def test_bad_augmentation_settings_are_refused_before_any_run_folder(tmp_path, override, message):
    result = CliRunner().invoke(cli, ["run", "recipe", "mnist_committee", override, "--runs-dir", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("kt: error: ") and message in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "r").exists()


def test_the_committee_hooks_refuse_a_single_net_in_one_line():
    net = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)], name="member")
    with pytest.raises(InputError, match="member is not a committee"):
        members_of(net)
