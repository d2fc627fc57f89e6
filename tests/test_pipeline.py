"""training_epochs: per-epoch shuffles that depend only on (seed, epoch), by index, equal to shuffling examples."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from conftest import require_data

from kerastoolkit.data import pipeline
from kerastoolkit.data.mnist import MNIST_FILES, load_splits
from kerastoolkit.data.pipeline import training_epochs

N, BATCH = 37, 8  # 5 steps an epoch, the last one of 5 examples


def tuples() -> tf.data.Dataset:
    rng = np.random.default_rng(0)
    return tf.data.Dataset.from_tensor_slices(
        (rng.normal(size=(N, 3, 2)).astype("float32"), np.arange(N, dtype="int64"))
    )


def dicts() -> tf.data.Dataset:
    story = np.arange(N * 6, dtype="int32").reshape(N, 2, 3)
    return tf.data.Dataset.from_tensor_slices(({"story": story, "question": story[:, 0] * 2}, np.arange(N)))


def elementwise_epochs(examples, *, num_examples, batch_size, seed, first_epoch, epochs):
    """The earlier implementation: shuffle the (cached) examples themselves, epoch by epoch."""
    cached = examples.cache()
    per_epoch = [
        cached.shuffle(num_examples, seed=seed * 10_007 + epoch, reshuffle_each_iteration=False).batch(batch_size)
        for epoch in range(first_epoch, epochs)
    ]
    return functools.reduce(lambda a, b: a.concatenate(b), per_epoch)


def batches(dataset: tf.data.Dataset) -> list:
    return list(dataset.as_numpy_iterator())


def assert_same_batches(actual: list, expected: list) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        tf.nest.map_structure(np.testing.assert_array_equal, got, want)


@pytest.mark.parametrize("make", [tuples, dicts])
def test_index_shuffle_gives_the_batches_of_the_elementwise_shuffle(make):
    kwargs = dict(num_examples=N, batch_size=BATCH, seed=3, first_epoch=0, epochs=3)
    dataset, steps = training_epochs(make(), **kwargs)
    reference = elementwise_epochs(make(), **kwargs)
    assert steps == math.ceil(N / BATCH) == 5
    assert dataset.element_spec == reference.element_spec  # same nest, dtypes and (batch-less) shapes
    assert_same_batches(batches(dataset), batches(reference))


def test_every_epoch_is_a_new_permutation_with_the_last_partial_batch_kept():
    dataset, steps = training_epochs(tuples(), num_examples=N, batch_size=BATCH, seed=0, first_epoch=0, epochs=3)
    labels = [label for _, label in batches(dataset)]
    assert [len(b) for b in labels] == [8, 8, 8, 8, 5] * 3
    epochs = [np.concatenate(labels[e * steps : (e + 1) * steps]) for e in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(N))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])


def test_a_resumed_run_sees_the_batches_of_an_uninterrupted_run():
    kwargs = dict(num_examples=N, batch_size=BATCH, seed=7, epochs=4)
    whole, steps = training_epochs(dicts(), first_epoch=0, **kwargs)
    resumed, _ = training_epochs(dicts(), first_epoch=2, **kwargs)
    assert_same_batches(batches(resumed), batches(whole)[2 * steps :])
    other_seed, _ = training_epochs(dicts(), first_epoch=2, **{**kwargs, "seed": 8})
    assert not np.array_equal(batches(other_seed)[0][1], batches(resumed)[0][1])


def test_nothing_left_after_the_last_epoch():
    dataset, steps = training_epochs(tuples(), num_examples=N, batch_size=BATCH, seed=0, first_epoch=2, epochs=2)
    assert batches(dataset) == [] and steps == 5


def test_large_or_variable_shape_splits_shuffle_the_examples_themselves(monkeypatch):
    kwargs = dict(num_examples=N, batch_size=BATCH, seed=1, first_epoch=1, epochs=3)
    reference = batches(elementwise_epochs(tuples(), **kwargs))
    monkeypatch.setattr(pipeline, "MAX_MATERIALISED_BYTES", 100)
    assert not pipeline._materialisable(tuples(), N)
    assert_same_batches(batches(training_epochs(tuples(), **kwargs)[0]), reference)

    variable = tf.data.Dataset.from_generator(lambda: iter([[1.0, 2.0]] * N), output_signature=tf.TensorSpec((None,)))
    assert not pipeline._materialisable(variable, N)
    dataset, _ = training_epochs(variable, **kwargs)
    assert [len(b) for b in batches(dataset)] == [8, 8, 8, 8, 5] * 2


def test_many_epochs_hold_one_copy_of_the_split():
    """Early-stopped training asks for up to 1,000 epochs: the pipeline's graph must not copy the split per epoch."""
    images = np.zeros((500, 28, 28), np.float32)  # 1.5 MB
    examples = tf.data.Dataset.from_tensor_slices((images, np.zeros(500, np.int64)))

    def graph_bytes(epochs: int) -> int:
        dataset, _ = training_epochs(examples, num_examples=500, batch_size=100, seed=0, first_epoch=0, epochs=epochs)
        return len(dataset._as_serialized_graph().numpy())

    assert graph_bytes(20) < images.nbytes + graph_bytes(1)


def test_a_wrong_num_examples_is_refused():
    for wrong, held in ((N - 1, f"more than {N - 1}"), (N + 1, f"{N}")):
        with pytest.raises(ValueError, match=f"holds {held} examples, not num_examples={wrong}"):
            training_epochs(tuples(), num_examples=wrong, batch_size=BATCH, seed=0, first_epoch=0, epochs=1)


def test_mnist_batches_keep_their_types_and_order(shared_data_dir: Path):
    for key in MNIST_FILES:
        require_data(shared_data_dir / MNIST_FILES[key].path)
    splits = load_splits("mnist", validation_size=100, train_limit=300, test_limit=10)
    kwargs = dict(num_examples=splits.num_train, batch_size=128, seed=0, first_epoch=0, epochs=2)
    dataset, steps = training_epochs(splits.train, **kwargs)
    reference = elementwise_epochs(splits.train, **kwargs)
    image_spec, label_spec = dataset.element_spec
    assert image_spec == tf.TensorSpec((None, 28, 28, 1), tf.float32) and label_spec == tf.TensorSpec((None,), tf.int64)
    assert steps == 3
    assert_same_batches(batches(dataset), batches(reference))
