"""MNIST and Fashion-MNIST: the four upstream idx files -> numpy arrays, or tensorflow-datasets splits.

The files live under the data folder (`mnist/`, `fashion-mnist/`) and are checksum-verified by `fetch()`.
`load_arrays` reads them directly; `load_splits` prepares them once with a tensorflow-datasets builder
(offline, from the verified files, into `$KT_CACHE_DIR/tfds`, default `~/.cache/kerastoolkit/tfds`: see
`data.tfds_prep`) and returns tf.data splits sliced the tfds way (`train[:55000]`, `train[55000:]`, `test`).

The builders are tfds's own MNIST/Fashion-MNIST builders with shuffling disabled, so records keep the
upstream file order: validation really is the last `validation_size` training images, as in the classic
papers and in `load_arrays`. (Stock tfds `mnist` hashes keys into another order, so its `train[55000:]`
is not the tail of the file.)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kerastoolkit.data.folder import RemoteFile, fetch, make_cache_dir
from kerastoolkit.data.idx import read_idx
from kerastoolkit.data.splits import Splits
from kerastoolkit.data.tfds_prep import prepare, tfds_cache_dir
from kerastoolkit.errors import ConfigError, DataError

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "CLASS_NAMES",
    "FASHION_MNIST_FILES",
    "MNIST_FILES",
    "ImageSplits",
    "load_arrays",
    "load_splits",
    "read_idx",
    "tfds_cache_dir",
]

_MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
_FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_FILENAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def _files(folder: str, url: str, sums: dict[str, tuple[str, int]]) -> dict[str, RemoteFile]:
    return {
        key: RemoteFile(f"{folder}/{name}", url + name, sums[key][0], sums[key][1]) for key, name in _FILENAMES.items()
    }


# sha256 and sizes as recorded by tensorflow-datasets 4.9.10 (url_checksums/mnist.txt, fashion_mnist.txt).
MNIST_FILES: dict[str, RemoteFile] = _files(
    "mnist",
    _MNIST_URL,
    {
        "train_images": ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
        "train_labels": ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
        "test_images": ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
        "test_labels": ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
    },
)
FASHION_MNIST_FILES: dict[str, RemoteFile] = _files(
    "fashion-mnist",
    _FASHION_URL,
    {
        "train_images": ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
        "train_labels": ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
        "test_images": ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
        "test_labels": ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
    },
)
_DATASETS = {"mnist": MNIST_FILES, "fashion_mnist": FASHION_MNIST_FILES}
# Each dataset's label names, as tfds's builders give them (`load_splits`' class_names), known without TensorFlow.
CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": tuple("0123456789"),
    "fashion_mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}
_SPLITS = ("train", "test")


def _files_of(name: str) -> dict[str, RemoteFile]:
    if name not in _DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; choose one of {', '.join(_DATASETS)}")
    return _DATASETS[name]


def load_arrays(
    name: str = "mnist", split: str = "train", data_dir: str | Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 (N, 28, 28) and labels int64 (N,) of one split, read from the checksum-verified files."""
    files = _files_of(name)
    if split not in _SPLITS:
        raise ConfigError(f"unknown split {split!r} of {name}; choose train or test")
    images_path = fetch(files[f"{split}_images"], data_dir)
    labels_path = fetch(files[f"{split}_labels"], data_dir)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{images_path} holds images of shape {images.shape[1:]}, expected 28x28")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataError(f"{labels_path} holds labels of shape {labels.shape} for {len(images)} images")
    return images, labels.astype(np.int64)


ImageSplits = Splits  # (image float32 (28, 28, 1) in [0, 1], label int64) examples, with class names


@functools.cache
def _builder_class(name: str) -> type:
    """tfds's builder for `name`, in upstream file order, trusting only our checksums."""
    import tensorflow_datasets as tfds
    from tensorflow_datasets.image_classification import mnist as tfds_mnist

    parent = {"mnist": tfds_mnist.MNIST, "fashion_mnist": tfds_mnist.FashionMNIST}[name]
    url_infos = {
        remote.url: tfds.core.download.checksums.UrlInfo(
            size=remote.size, checksum=remote.sha256, filename=Path(remote.path).name
        )
        for remote in _DATASETS[name].values()
    }

    class Builder(parent, skip_registration=True):
        # Named kt_*: its records are in file order, so it must not share a folder with stock tfds data.
        def _info(self):
            info = super()._info()
            info.as_proto.disable_shuffling = True
            return info

    Builder.name = f"kt_{name}"
    Builder.url_infos = url_infos  # the classproperty would look for a checksums file beside this module
    return Builder


def _check_sizes(validation_size: int, train_limit: int, test_limit: int) -> None:
    for key, value in {
        "validation_size": validation_size,
        "train_limit": train_limit,
        "test_limit": test_limit,
    }.items():
        if value < 0:
            raise ConfigError(f"{key} must be >= 0, got {value}")


def _check_limits(train_limit: int, test_limit: int, validation_size: int, train_total: int, test_total: int) -> None:
    """A limit larger than its split would silently give the whole split: refuse it."""
    train_split = train_total - validation_size
    if train_limit > train_split:
        raise ConfigError(
            f"train_limit={train_limit} is larger than the training split: {train_split} examples "
            f"({train_total} minus validation_size={validation_size})"
        )
    if test_limit > test_total:
        raise ConfigError(f"test_limit={test_limit} is larger than the test split: {test_total} examples")


def _to_float(image: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    import tensorflow as tf

    return tf.cast(image, tf.float32) / 255.0, label


def _split(builder, split: str) -> tuple[tf.data.Dataset, int]:
    import tensorflow as tf

    ds = builder.as_dataset(split=split, as_supervised=True, shuffle_files=False)
    ds = ds.map(_to_float, num_parallel_calls=tf.data.AUTOTUNE)
    return ds, builder.info.splits[split].num_examples


def load_splits(
    name: str = "mnist",
    *,
    validation_size: int = 5000,
    train_limit: int = 0,
    test_limit: int = 0,
    data_dir: str | Path | None = None,
) -> ImageSplits:
    """Train / validation / test as tf.data, validation being the last `validation_size` training examples.

    Train is the examples before them (only the first `train_limit` if > 0); test is the test split (only its
    first `test_limit` if > 0). The files are checksum-verified before tfds sees them.
    """
    files = _files_of(name)
    _check_sizes(validation_size, train_limit, test_limit)
    make_cache_dir("tfds")  # before any download: an unusable cache folder fails at once
    paths = [fetch(remote, data_dir) for remote in files.values()]
    builder = prepare(_builder_class(name), paths[0].parent, name)
    total = builder.info.splits["train"].num_examples
    if validation_size >= total:
        raise ConfigError(f"validation_size={validation_size} must be below {total}, the number of training examples")
    _check_limits(train_limit, test_limit, validation_size, total, builder.info.splits["test"].num_examples)
    train_end = train_limit or total - validation_size
    train, num_train = _split(builder, f"train[:{train_end}]")
    validation, num_validation = _split(builder, f"train[{total - validation_size}:]") if validation_size else (None, 0)
    test, num_test = _split(builder, f"test[:{test_limit}]" if test_limit else "test")
    return ImageSplits(
        train=train,
        validation=validation,
        test=test,
        num_train=num_train,
        num_validation=num_validation,
        num_test=num_test,
        class_names=list(builder.info.features["label"].names),
    )
