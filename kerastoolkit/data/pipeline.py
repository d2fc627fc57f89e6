"""tf.data plumbing shared by every recipe: cached, shuffled, batched, prefetched epochs.

The shuffle order of epoch `e` depends only on (seed, e), not on how many epochs this process has already
run. A run resumed after a crash therefore sees exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import functools
import math

import tensorflow as tf


def training_epochs(
    examples: tf.data.Dataset,
    *,
    num_examples: int,
    batch_size: int,
    seed: int,
    first_epoch: int,
    epochs: int,
) -> tuple[tf.data.Dataset, int]:
    """Batches for epochs first_epoch..epochs-1, each fully shuffled with its own seed.

    Returns the dataset and the number of steps in one epoch (for `fit(steps_per_epoch=...)`).
    """
    steps = math.ceil(num_examples / batch_size)
    if first_epoch >= epochs:  # resumed after the last epoch's backup: nothing left to train
        return examples.take(0).batch(batch_size), steps
    cached = examples.cache()
    per_epoch = [
        cached.shuffle(num_examples, seed=seed * 10_007 + epoch, reshuffle_each_iteration=False).batch(batch_size)
        for epoch in range(first_epoch, epochs)
    ]
    joined = functools.reduce(lambda a, b: a.concatenate(b), per_epoch)
    return joined.prefetch(tf.data.AUTOTUNE), steps


def evaluation_batches(examples: tf.data.Dataset, batch_size: int) -> tf.data.Dataset:
    """Batches in a fixed order, cached after the first pass (validation and test sets)."""
    return examples.batch(batch_size).cache().prefetch(tf.data.AUTOTUNE)
