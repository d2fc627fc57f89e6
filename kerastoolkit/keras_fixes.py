"""Mends for the Keras and keras-tuner releases kt is built on, applied only where they are needed.

Keras 3.15's TensorFlow trainer does not run `tf.distribute.MultiWorkerMirroredStrategy` as released
(keras-team/keras#20585); `multi_worker_fixes` patches the two functions that fail, once per process, and only
when `strategy.get_strategy("multi-worker")` is asked for. A Keras that no longer has those functions is left as
it is. `keras_tuner_plain_output` keeps keras-tuner from writing a notebook's escape codes into a terminal (for
`kt tune`).
"""

from __future__ import annotations

from typing import Any


def multi_worker_fixes() -> None:
    """Mend Keras 3.15's TensorFlow trainer for `MultiWorkerMirroredStrategy` (keras-team/keras#20585).

    1. Before the first step, `_maybe_symbolic_build` averages a per-replica *data* batch across workers with
       `strategy.reduce`, which fails eagerly ("Attempt to convert a value (PerReplica...) to a Tensor"). It only
       needs a batch's shapes: this process's first replica's share gives them.
    2. Each step's logs are reduced across workers with `strategy.reduce("MEAN", v, axis=0)`, which fails on the
       scalar logs ("Invalid reduction dimension 0 for input with 0 dimensions"): reduced with `axis=None`.
    Those per-step logs only feed the progress bar; the epoch's scores are read from the metrics' variables,
    summed over every worker. Nothing changes for the other strategies.
    """
    import tensorflow as tf
    from keras.src.backend.tensorflow import trainer as tf_trainer

    mendable = hasattr(tf_trainer, "_collective_all_reduce_multi_worker") and hasattr(
        tf_trainer.TensorFlowTrainer, "_maybe_symbolic_build"
    )
    if getattr(tf_trainer, "_kt_multi_worker_fixes", False) or not mendable:  # mended, or a Keras that differs
        return
    original = tf_trainer.reduce_per_replica

    def reduce_per_replica(values: Any, strategy: Any, reduction: str) -> Any:
        if reduction in ("auto", "mean") and tf_trainer._collective_all_reduce_multi_worker(strategy):
            return tf.nest.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
        return original(values, strategy, reduction)

    def local_share(strategy: Any, value: Any) -> Any:
        if isinstance(value, tf.distribute.DistributedValues):
            return strategy.experimental_local_results(value)[0]
        return value

    def maybe_symbolic_build(self: Any, iterator: Any = None, data_batch: Any = None) -> None:
        for _, _, batches in iterator or []:
            data_batch = tf.nest.map_structure(lambda v: local_share(self.distribute_strategy, v), next(batches))
            break
        with self.distribute_strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    tf_trainer.reduce_per_replica = reduce_per_replica
    tf_trainer.TensorFlowTrainer._maybe_symbolic_build = maybe_symbolic_build
    tf_trainer._kt_multi_worker_fixes = True


def keras_tuner_plain_output() -> None:
    """keras-tuner 1.4 takes any process that can import IPython for a notebook (it reads the class name of
    `get_ipython()`, which is None outside IPython, and finds no "Terminal" in "NoneType"), so between trials it
    calls IPython's `clear_output`, which writes escape codes into a terminal's or a pipe's output. Outside a
    running IPython, tell it there is no notebook."""
    from keras_tuner.src import utils

    try:
        from IPython import get_ipython
    except ImportError:  # keras-tuner saw no IPython either
        return
    if get_ipython() is None:
        utils.IS_NOTEBOOK = False
