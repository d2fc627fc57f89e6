"""tf.data plumbing shared by every recipe: shuffled, batched, prefetched epochs.

The shuffle order of epoch `e` depends only on (seed, e), not on how many epochs this process has already
run. A run resumed after a crash therefore sees exactly the batches an uninterrupted run would have seen.

The training split is materialised once as tensors and each epoch shuffles *indices*, then gathers whole
batches (as Keras does for numpy arrays). Shuffling the examples themselves made every epoch start by copying
the whole split, element by element, into the shuffle buffer (~170 MB for MNIST) before its first batch,
a stall that prefetch cannot hide since the next epoch's dataset only starts when the previous one ends.
A permutation from `shuffle(n, seed)` does not depend on the values shuffled, so the batches are the same as
shuffling the examples. Splits too large to hold as one tensor (or with elements of varying shape) keep the
element-wise path.

`augment(batch, seed)` (e.g. `vision.augment.Distorter`) transforms each batch after the gather, in parallel and in
order; its `seed` is a stateless seed made of (seed, epoch, batch index in the epoch), so a resumed epoch replays
the same random transformations too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import tensorflow as tf

# Above this size (all training examples together), shuffle the examples themselves instead of indices.
MAX_MATERIALISED_BYTES = 1 << 30

Augment = Callable[[Any, tf.Tensor], Any]  # (batch, stateless seed of shape (2,)) -> batch


def batch_seed(seed: int, epoch: int | tf.Tensor, step: tf.Tensor) -> tf.Tensor:
    """The stateless seed of batch `step` of `epoch`: the same in every run with `seed`, resumed or not."""
    epoch = tf.cast(epoch, tf.int64)
    return tf.stack([tf.constant(seed, tf.int64), epoch * (1 << 32) + tf.cast(step, tf.int64)])


def _numbered(batches: tf.data.Dataset, epoch: int) -> tf.data.Dataset:
    """`batches` of one epoch as (epoch, index of the batch in the epoch, batch)."""
    return batches.enumerate().map(lambda step, batch: (tf.constant(epoch, tf.int64), step, batch))


def _all_epochs(examples: tf.data.Dataset, num_examples: int, batch_size: int, seed: int, epochs: range):
    """The shuffled batches of `examples` (examples or their indices) for each of `epochs`, one epoch after the
    other, each as (epoch, index in the epoch, batch)."""
    numbered = [_numbered(_epoch_batches(examples, num_examples, batch_size, seed, e), e) for e in epochs]
    return functools.reduce(lambda a, b: a.concatenate(b), numbered)


def _epoch_batches(examples: tf.data.Dataset, num_examples: int, batch_size: int, seed: int, epoch: int):
    """One epoch of `examples` (examples or their indices), shuffled by a seed that depends only on (seed, epoch)."""
    order = examples.shuffle(num_examples, seed=seed * 10_007 + epoch, reshuffle_each_iteration=False)
    return order.batch(batch_size)


def _materialisable(examples: tf.data.Dataset, num_examples: int) -> bool:
    """Whether `examples` can be held as one tensor per component: fixed shapes, and not too large."""
    specs = tf.nest.flatten(examples.element_spec)
    if not all(isinstance(spec, tf.TensorSpec) and spec.shape.is_fully_defined() for spec in specs):
        return False
    size = sum(num_examples * spec.shape.num_elements() * max(spec.dtype.size, 1) for spec in specs)
    return size <= MAX_MATERIALISED_BYTES


def _materialise(examples: tf.data.Dataset, num_examples: int):
    """All of `examples`, each component stacked along a new first axis (same nest as an element)."""
    stacked = examples.take(num_examples + 1).batch(num_examples + 1).get_single_element()
    count = tf.nest.flatten(stacked)[0].shape[0]
    if count != num_examples:
        held = f"more than {num_examples}" if count > num_examples else str(count)
        raise ValueError(f"the training split holds {held} examples, not num_examples={num_examples}")
    return stacked


def training_epochs(
    examples: tf.data.Dataset,
    *,
    num_examples: int,
    batch_size: int,
    seed: int,
    first_epoch: int,
    epochs: int,
    augment: Augment | None = None,
) -> tuple[tf.data.Dataset, int]:
    """Batches for epochs first_epoch..epochs-1, each fully shuffled with its own seed (and augmented, if given).

    Returns the dataset and the number of steps in one epoch (for `fit(steps_per_epoch=...)`).
    """
    steps = math.ceil(num_examples / batch_size)
    if first_epoch >= epochs:  # resumed after the last epoch's backup: nothing left to train
        return examples.take(0).batch(batch_size), steps
    epoch_numbers = range(first_epoch, epochs)
    if not _materialisable(examples, num_examples):
        cached = filled_cache(examples)  # see evaluation_batches: a dropped first pass must not cut the cache
        joined = _all_epochs(cached, num_examples, batch_size, seed, epoch_numbers)
        return _finished(joined, lambda batch: batch, augment, seed), steps
    # One gather for all epochs: a function per epoch would hold its own copy of the split (one per epoch of up
    # to 1,000 epochs of early-stopped training: out of memory).
    stacked = _materialise(examples, num_examples)
    positions = tf.data.Dataset.range(num_examples)
    joined = _all_epochs(positions, num_examples, batch_size, seed, epoch_numbers)
    return _finished(joined, lambda indices: _gather(stacked, indices), augment, seed), steps


def _finished(joined: tf.data.Dataset, batch_of: Callable, augment: Augment | None, seed: int) -> tf.data.Dataset:
    """Each (epoch, step, batch) of `joined` as `batch_of(batch)`, augmented with its own (seed, epoch, step)
    seed if `augment` is given; in parallel, in order, prefetched, sharded by batches."""

    def finish(epoch: tf.Tensor, step: tf.Tensor, batch: Any) -> Any:
        batch = batch_of(batch)
        return batch if augment is None else augment(batch, batch_seed(seed, epoch, step))

    batches = joined.map(finish, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return by_batches(batches.prefetch(tf.data.AUTOTUNE))


def _gather(stacked: Any, indices: tf.Tensor) -> Any:
    """The examples at `indices` of the materialised split (same nest as an element)."""
    return tf.nest.map_structure(lambda tensor: tf.gather(tensor, indices), stacked)


def evaluation_batches(examples: tf.data.Dataset, batch_size: int) -> tf.data.Dataset:
    """Batches in a fixed order, cached by one complete pass here (validation and test sets).

    The cache is filled *before* Keras sees the dataset. Under a distribution strategy Keras's `evaluate` (and
    `fit`) first reads one batch from an iterator it then drops (`_maybe_symbolic_build`), and tf.data discards a
    partly written cache when its iterator goes: the pass that follows could end after the batches cached so
    far. Scores under `mirrored` were computed on a few batches only, at random, depending on timing (see
    `kerastoolkit.strategy`). A cache completed up front cannot be cut.
    """
    return by_batches(filled_cache(examples.batch(batch_size)).prefetch(tf.data.AUTOTUNE))


def filled_cache(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset.cache()`, filled by one complete pass (in TensorFlow, no Python loop) before anyone reads it."""
    cached = dataset.cache()
    cached.reduce(tf.constant(0, tf.int64), lambda count, _: count + 1)
    return cached


def by_batches(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` sharded by batches (`AutoShardPolicy.DATA`) where tf.distribute shards it.

    Only a multi-worker strategy shards: each worker then reads the same batches, keeps its share of every
    global batch, and all of them see every example. Left to AUTO, TensorFlow first tries to shard by input
    file, which would give each worker different files, or none, of a split made from a few tfds records.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)
