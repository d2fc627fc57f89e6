"""Distribution strategies: where a recipe's model lives and how its batches are spread over devices."""

from __future__ import annotations

import tensorflow as tf

from kerastoolkit.errors import ConfigError

STRATEGIES = ("default", "mirrored")


def get_strategy(name: str = "default") -> tf.distribute.Strategy:
    """`default` (one device) or `mirrored` (data-parallel over every local GPU; needs two or more).

    Mirrored over a single device gains nothing, and on the CPU (TF 2.21, Keras 3) its evaluation loop was seen
    to drop batches at random, so kt refuses it there rather than report wrong validation and test scores.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        if len(gpus) < 2:
            raise ConfigError(
                f"--strategy mirrored spreads training over several GPUs, and this machine has {len(gpus)}; "
                "use the default strategy"
            )
        return tf.distribute.MirroredStrategy()
    raise ConfigError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")
