"""Distribution strategies: where a recipe's model lives and how its batches are spread over devices.

- `default`: one device.
- `mirrored`: data parallelism on one machine (`tf.distribute.MirroredStrategy`): every local GPU, or, on a
  machine without GPUs, the CPU split into N logical devices (`split_cpu(N)`, `kt run ... --cpu-replicas N`),
  which is how to try and test it without GPUs (the replicas then share the same cores: it is not faster).
  One GPU (or one CPU device) gives one replica: allowed, and the same as `default` with a little overhead.

`config.batch_size` is always the *global* batch: each of R replicas computes 1/R of it and the gradients are
summed, so one step is the same step whatever the strategy (the learning rate scales only where a recipe's
module sets `LEARNING_RATE_BATCH`: `engine.scaled_learning_rate`). Layers whose training step depends on the
batch one device sees (batch normalisation's statistics, dropout's random masks) make scores differ a little
between strategies; the equality test uses mnist_mlp, which has neither.

Why evaluation "dropped batches" under `mirrored` (commit 9bac4c9 refused it on the CPU for that): under any
distribution strategy, Keras 3's `evaluate` and `fit` first read one batch from an iterator over the dataset
(`TensorFlowTrainer._maybe_symbolic_build`, to build the model's metrics) and then drop that iterator and start
again; with the default strategy they skip that read. kt's validation and test batches were
`batch().cache()`: the dropped iterator had begun writing the in-memory cache, tf.data discards a partly written
cache when its iterator is destroyed ("The calling iterator did not fully read the dataset being cached ...
will be discarded"), and the pass that ran meanwhile could end after the batches cached so far. So the first
evaluation of each split (the test set, always, and validation in the first epoch) scored a few batches only,
how many depending on timing: 96 of 300 test images in one run here, all of them when the machine was idle.
It had nothing to do with auto-sharding, the per-epoch datasets or the partial last batch. The fix is at the
cache: `data.pipeline.filled_cache` completes it in one pass before Keras sees the dataset (evaluation
batches, and the element cache of splits too large to materialise), so no dropped iterator can cut it. Every
dataset also says `AutoShardPolicy.DATA` (`data.pipeline.by_batches`) for the multi-worker strategy.

`multi-worker`: `tf.distribute.MultiWorkerMirroredStrategy` over the workers named in `TF_CONFIG` (checked
without TensorFlow by `cluster_spec`). Every worker runs the same command; the chief (the "chief" task, else
worker 0) writes the run folder, the others train in a temporary folder they delete at the end and print only
Keras's own lines. Each worker reads the same batches and keeps its share of each global batch (`by_batches`).
A killed worker makes the others fail (TensorFlow's collective health check); start them all again with
`--resume FOLDER` and they go on from the last finished epoch: the chief from its backup, the others from a
copy of the chief's (after an epoch every worker holds the same weights). Keras 3.15's TensorFlow trainer does
not run this strategy as released (keras-team/keras#20585): `keras_fixes.multi_worker_fixes` mends the two
places that fail, see there.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kerastoolkit.errors import ConfigError

if TYPE_CHECKING:
    import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi-worker")


MAX_CPU_REPLICAS = 64  # logical devices are for trying mirrored out; more only slow the CPU down


def check_cpu_replicas(replicas: int) -> None:
    """ConfigError unless 1 <= `replicas` <= MAX_CPU_REPLICAS."""
    if replicas < 1:
        raise ConfigError(f"--cpu-replicas must be 1 or more, not {replicas}")
    if replicas > MAX_CPU_REPLICAS:
        raise ConfigError(f"--cpu-replicas must be at most {MAX_CPU_REPLICAS}, not {replicas}")


def split_cpu(replicas: int) -> None:
    """Split the CPU into `replicas` logical devices for `mirrored`; call it before TensorFlow starts its devices.

    TensorFlow fixes its devices once per process, when it first uses one: after that the split can no longer
    be changed (then ConfigError, unless it is already the one asked for).
    """
    check_cpu_replicas(replicas)
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * replicas)
    except RuntimeError:
        have = len(tf.config.list_logical_devices("CPU"))
        if have != replicas:
            raise ConfigError(
                f"TensorFlow already runs on {have} CPU device(s) in this process; split the CPU "
                f"into {replicas} before anything uses TensorFlow (a fresh process)"
            ) from None


@dataclass(frozen=True)
class ClusterSpec:
    """What `TF_CONFIG` says: the cluster's workers and which of them this process is."""

    cluster: dict[str, list[str]]
    task_type: str
    task_index: int

    @property
    def num_workers(self) -> int:
        return sum(len(self.cluster.get(kind, [])) for kind in ("chief", "worker"))

    @property
    def is_chief(self) -> bool:
        """The chief task, or worker 0 where there is no chief: the one that writes the run folder."""
        if "chief" in self.cluster:
            return self.task_type == "chief"
        return self.task_type == "worker" and self.task_index == 0


def cluster_spec(text: str | None = None) -> ClusterSpec:
    """`TF_CONFIG` (or `text`) parsed and checked without TensorFlow: ConfigError in one line when malformed."""
    text = os.environ.get("TF_CONFIG", "") if text is None else text
    if not text.strip():
        raise ConfigError("--strategy multi-worker needs TF_CONFIG (the cluster and this task; see the README)")
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"TF_CONFIG is not JSON: {exc}") from None
    cluster, task = (spec.get("cluster"), spec.get("task")) if isinstance(spec, dict) else (None, None)
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise ConfigError('TF_CONFIG needs "cluster" and "task" objects')
    _check_cluster(cluster)
    kind, index = task.get("type"), task.get("index", 0)
    if kind not in ("chief", "worker") or not isinstance(index, int) or isinstance(index, bool):
        raise ConfigError(f'TF_CONFIG\'s task needs "type" chief or worker and an integer "index", not {task}')
    if not 0 <= index < len(cluster.get(kind, [])):
        raise ConfigError(f"TF_CONFIG's task {kind} {index} is not in its cluster")
    return ClusterSpec(cluster, kind, index)


def _check_cluster(cluster: dict[str, Any]) -> None:
    for kind, addresses in cluster.items():
        if kind not in ("chief", "worker"):
            raise ConfigError(f"TF_CONFIG's cluster has {kind!r} tasks; multi-worker training uses chief and worker")
        if not isinstance(addresses, list) or not all(_is_address(a) for a in addresses):
            raise ConfigError(f'TF_CONFIG\'s cluster {kind} must be a list of "host:port", not {addresses!r}')
    if "worker" not in cluster or len(cluster.get("chief", [])) > 1:
        raise ConfigError("TF_CONFIG's cluster needs a worker list (and at most one chief)")


def _is_address(address: Any) -> bool:
    host, _, port = str(address).rpartition(":")
    return isinstance(address, str) and bool(host) and port.isdigit()


def get_strategy(name: str = "default") -> tf.distribute.Strategy:
    """The strategy called `name` (see the module's docstring); ConfigError for an unknown one or a bad TF_CONFIG."""
    if name not in STRATEGIES:
        raise ConfigError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")
    if name == "multi-worker":
        cluster_spec()  # a malformed TF_CONFIG: one line, before TensorFlow reads it
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "multi-worker":
        from kerastoolkit.keras_fixes import multi_worker_fixes

        multi_worker_fixes()
        return tf.distribute.MultiWorkerMirroredStrategy()
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    if len(devices) == 1 and devices[0].device_type == "CPU":
        print(
            "no GPU found: --strategy mirrored runs one replica on the CPU (--cpu-replicas N splits it into N)",
            file=sys.stderr,
        )
    return tf.distribute.MirroredStrategy([device.name for device in devices])


def num_replicas(strategy: tf.distribute.Strategy) -> int:
    return int(strategy.num_replicas_in_sync)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes what a user sees: always, except on a non-chief worker of a cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not getattr(resolver, "task_type", None):
        return True
    return ClusterSpec(resolver.cluster_spec().as_dict(), resolver.task_type, int(resolver.task_id)).is_chief
