"""MNIST / Fashion-MNIST data layer: idx reading, checksum refusal, offline errors, tfds splits."""

from __future__ import annotations

import gzip
import shutil
import struct
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import require_data

from kerastoolkit.data.mnist import (
    FASHION_MNIST_FILES,
    MNIST_FILES,
    load_arrays,
    load_splits,
    read_idx,
    tfds_cache_dir,
)
from kerastoolkit.errors import ConfigError, DataError

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def _real(data_dir: Path, files: dict, key: str) -> Path:
    return require_data(data_dir / files[key].path)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every download fails, as with no network."""

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def _idx_bytes(array: np.ndarray) -> bytes:
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def test_read_idx_real_files(shared_data_dir: Path) -> None:
    images = read_idx(_real(shared_data_dir, MNIST_FILES, "train_images"))
    labels = read_idx(_real(shared_data_dir, MNIST_FILES, "train_labels"))
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,)
    assert np.bincount(labels).tolist() == TRAIN_COUNTS
    assert read_idx(_real(shared_data_dir, MNIST_FILES, "test_images")).shape == (10000, 28, 28)
    assert read_idx(_real(shared_data_dir, MNIST_FILES, "test_labels")).shape == (10000,)


def test_read_idx_round_trip_raw_and_gz(tmp_path: Path) -> None:
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a-idx3-ubyte").write_bytes(_idx_bytes(array))
    (tmp_path / "a-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a-idx3-ubyte"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a-idx3-ubyte.gz"), array)


def test_read_idx_refuses_truncated_and_bad_files(tmp_path: Path) -> None:
    data = _idx_bytes(np.zeros((10, 28, 28), dtype=np.uint8))
    truncated = tmp_path / "short-idx3-ubyte"
    truncated.write_bytes(data[:-100])
    with pytest.raises(DataError, match=r"short-idx3-ubyte is truncated"):
        read_idx(truncated)

    bad_gz = tmp_path / "short-idx3-ubyte.gz"
    bad_gz.write_bytes(gzip.compress(data)[:-50])
    with pytest.raises(DataError, match=r"short-idx3-ubyte\.gz is corrupt or truncated"):
        read_idx(bad_gz)

    not_idx = tmp_path / "notes.txt"
    not_idx.write_text("hello world")
    with pytest.raises(DataError, match=r"notes\.txt is not an idx file"):
        read_idx(not_idx)


def _copy_test_split(shared_data_dir: Path, tmp_path: Path) -> Path:
    """tmp_path/mnist/ holding real copies of the (small) test files; returns the labels copy."""
    for key in ("test_images", "test_labels"):
        target = tmp_path / MNIST_FILES[key].path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_real(shared_data_dir, MNIST_FILES, key), target)
    return tmp_path / MNIST_FILES["test_labels"].path


@pytest.mark.usefixtures("offline")
def test_corrupt_file_is_refused(shared_data_dir: Path, tmp_path: Path) -> None:
    labels = _copy_test_split(shared_data_dir, tmp_path)
    images, _ = load_arrays("mnist", "test", data_dir=tmp_path)  # intact copies load
    assert images.shape == (10000, 28, 28)

    data = bytearray(labels.read_bytes())
    data[100] ^= 0xFF
    labels.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz is corrupt"):
        load_arrays("mnist", "test", data_dir=tmp_path)


@pytest.mark.usefixtures("offline")
def test_truncated_file_is_refused(shared_data_dir: Path, tmp_path: Path) -> None:
    labels = _copy_test_split(shared_data_dir, tmp_path)
    labels.write_bytes(labels.read_bytes()[:-10])
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz is truncated or corrupt"):
        load_arrays("mnist", "test", data_dir=tmp_path)


@pytest.mark.usefixtures("offline")
def test_missing_file_offline_names_file_url_and_env(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_arrays("mnist", "train", data_dir=tmp_path)
    message = str(info.value)
    assert "mnist/train-images-idx3-ubyte.gz" in message
    assert MNIST_FILES["train_images"].url in message
    assert "KT_DATA_DIR" in message
    assert not (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").exists()  # nothing half-written


def test_a_download_that_fails_its_checksum_keeps_nothing_and_names_no_temporary_file(monkeypatch, tmp_path) -> None:
    import io

    class Junk(io.BytesIO):
        headers: dict = {}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: Junk(b"not the MNIST labels"))
    with pytest.raises(DataError) as info:
        load_arrays("mnist", "test", data_dir=tmp_path)
    message = str(info.value)
    assert message.startswith("the download of mnist/t10k-") and "did not match its checksum" in message
    assert "nothing was kept" in message and ".tmp" not in message and "delete it" not in message
    assert not [f for f in tmp_path.rglob("*") if f.is_file()]  # no temporary file left either


@pytest.mark.parametrize("damage", ["cut short", "overwritten"])
def test_a_damaged_prepared_copy_is_prepared_again(shared_data_dir: Path, damage: str) -> None:
    for key in MNIST_FILES:
        _real(shared_data_dir, MNIST_FILES, key)
    load_splits("mnist", validation_size=100, train_limit=500, test_limit=200)  # prepared (once a session)
    shard = tfds_cache_dir() / "kt_mnist" / "3.0.1" / "kt_mnist-test.tfrecord-00000-of-00001"
    data = shard.read_bytes()
    if damage == "cut short":  # as by a full disk or a bad copy
        shard.write_bytes(data[:1000])
    else:  # the same size, eight bytes flipped inside a record: tf.data would fail with DataLossError mid-run
        shard.write_bytes(data[:4930] + bytes(b ^ 0xFF for b in data[4930:4938]) + data[4938:])
    leftovers = set(Path(tempfile.gettempdir()).glob("tmp*tfds"))  # tfds's own, which it never removes
    splits = load_splits("mnist", validation_size=100, train_limit=500, test_limit=200)
    labels = np.array([label for _, label in splits.test.as_numpy_iterator()])
    np.testing.assert_array_equal(labels, load_arrays("mnist", "test")[1][:200])
    assert set(Path(tempfile.gettempdir()).glob("tmp*tfds")) == leftovers  # preparing again left no folder there


def test_unknown_dataset_and_split_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="cifar"):
        load_arrays("cifar")
    with pytest.raises(ConfigError, match="valid"):
        load_arrays("mnist", "valid")
    with pytest.raises(ConfigError, match="train_limit"):
        load_splits("mnist", train_limit=-1)


def _plant_leftovers_of_a_killed_preparation(cache: Path) -> None:
    folder = cache / "kt_mnist"
    (folder / "incomplete.ABC123_3.0.1").mkdir(parents=True)
    (folder / "3.0.1").mkdir()  # no dataset_info.json: tfds alone would "reuse" this empty folder
    (folder / "3.0.1" / "kt_mnist-train.tfrecord-00000-of-00001").write_bytes(b"garbage")


def _assert_cache_is_clean(cache: Path) -> None:
    leftovers = [*cache.glob(".downloads.*"), *(cache / "kt_mnist").glob("incomplete.*")]
    assert not leftovers, f"temporary folders left beside the prepared data: {leftovers}"


def test_load_splits_small(shared_data_dir: Path) -> None:
    for key in MNIST_FILES:
        _real(shared_data_dir, MNIST_FILES, key)
    cache = tfds_cache_dir()
    if not (cache / "kt_mnist" / "3.0.1" / "dataset_info.json").exists():
        # First preparation of this session: it must also clear what a killed one left, not trust it.
        _plant_leftovers_of_a_killed_preparation(cache)

    splits = load_splits("mnist", validation_size=100, train_limit=500, test_limit=200)

    _assert_cache_is_clean(cache)
    assert (splits.num_train, splits.num_validation, splits.num_test) == (500, 100, 200)
    assert splits.class_names == [str(d) for d in range(10)]
    assert splits.validation is not None
    arrays = {}
    for part in ("train", "validation", "test"):
        dataset = getattr(splits, part)
        image_spec, label_spec = dataset.element_spec
        assert image_spec.shape == (28, 28, 1) and image_spec.dtype.name == "float32"
        assert label_spec.shape == () and label_spec.dtype.name == "int64"
        images, labels = (np.stack(a) for a in zip(*dataset.as_numpy_iterator(), strict=True))
        assert 0.0 <= images.min() and images.max() <= 1.0 and images.max() > 0.99
        arrays[part] = images[..., 0], labels

    train_x, train_y = load_arrays("mnist", "train")
    test_x, test_y = load_arrays("mnist", "test")
    expected = {
        "train": (train_x[:500], train_y[:500]),
        "validation": (train_x[-100:], train_y[-100:]),  # the tail of the file, not a hashed order
        "test": (test_x[:200], test_y[:200]),
    }
    for part, (images, labels) in expected.items():
        np.testing.assert_array_equal(arrays[part][1], labels, err_msg=part)
        np.testing.assert_allclose(arrays[part][0], images / 255.0, atol=1e-6, err_msg=part)


def test_fashion_mnist_load_arrays(shared_data_dir: Path) -> None:
    for key in FASHION_MNIST_FILES:
        _real(shared_data_dir, FASHION_MNIST_FILES, key)
    images, labels = load_arrays("fashion_mnist", "train")
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [6000] * 10
    test_images, test_labels = load_arrays("fashion_mnist", "test")
    assert test_images.shape == (10000, 28, 28)
    assert np.bincount(test_labels).tolist() == [1000] * 10


@pytest.mark.usefixtures("offline")
def test_failed_download_leaves_no_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="could not be downloaded"):
        load_arrays("mnist", "train", data_dir=tmp_path / "new" / "data")
    assert list(tmp_path.iterdir()) == [], "the folders made for the download are removed with it"


def test_a_data_folder_under_a_file_is_refused_before_downloading(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DataError, match=r"cannot be downloaded there \(.*file is a file, not a folder\)"):
        load_arrays("mnist", "test", data_dir=blocker / "data")


def test_a_cache_folder_under_a_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KT_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(DataError, match="cannot use the cache folder .*; point KT_CACHE_DIR at a writable one"):
        load_splits("mnist", data_dir=tmp_path / "unused")
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ({"train_limit": 55001}, r"train_limit=55001 is larger than the training split: 55000 examples \(60000 minus"),
        ({"train_limit": 1001, "validation_size": 59000}, "train_limit=1001 is larger than the training split: 1000"),
        ({"test_limit": 10001}, "test_limit=10001 is larger than the test split: 10000 examples"),
        ({"validation_size": 60000}, "validation_size=60000 must be below 60000, the number of training examples"),
    ],
)
def test_a_limit_beyond_its_split_is_refused(shared_data_dir: Path, sizes: dict, message: str) -> None:
    for key in MNIST_FILES:
        _real(shared_data_dir, MNIST_FILES, key)
    with pytest.raises(ConfigError, match=message):
        load_splits("mnist", **sizes)


def test_limits_equal_to_their_split_are_fine(shared_data_dir: Path) -> None:
    for key in MNIST_FILES:
        _real(shared_data_dir, MNIST_FILES, key)
    splits = load_splits("mnist", validation_size=59000, train_limit=1000, test_limit=10000)
    assert (splits.num_train, splits.num_validation, splits.num_test) == (1000, 59000, 10000)
