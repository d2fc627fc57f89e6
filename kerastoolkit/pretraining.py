"""Greedy layer-wise pretraining of a stack of `Dense` layers as denoising autoencoders (Vincent et al. 2008, 2010).

Layer k is trained alone, as a denoising autoencoder of the codes of the layers below it (for the first, the
pixels): masking noise corrupts its input (`MaskingNoise`), the layer encodes it, a decoder with tied weights
(`TiedDense`, sigmoid) reconstructs the clean input, and the loss is the reconstruction's cross-entropy summed
over the units (the deeplearning.net tutorial's cost). The codes of the layers below are computed once per layer
(the tutorial's "tips and tricks"), not in every step. Each layer is one named training stage of the run
(`pretrain_1`, `pretrain_2`, ...): a run killed in layer 2 resumes in layer 2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from kerastoolkit.data.pipeline import evaluation_batches
from kerastoolkit.data.splits import Splits
from kerastoolkit.layers.tied import MaskingNoise, TiedDense
from kerastoolkit.trainer import Trainer


def summed_cross_entropy(y_true: Any, y_pred: Any) -> Any:
    """Binary cross-entropy of a reconstruction, summed over its units (one number per example)."""
    y_pred = ops.clip(y_pred, 1e-7, 1.0 - 1e-7)
    return -ops.sum(y_true * ops.log(y_pred) + (1.0 - y_true) * ops.log(1.0 - y_pred), axis=-1)


def denoising_autoencoder(encoder: layers.Dense, corruption: float, learning_rate: float) -> keras.Model:
    """`encoder` (built) trained to reconstruct its clean input from a masked one, by SGD; compiled."""
    inputs = keras.Input((encoder.kernel.shape[0],), name=f"{encoder.name}_input")
    corrupted = MaskingNoise(corruption, name=f"{encoder.name}_noise")(inputs)
    code = encoder(corrupted)
    reconstruction = TiedDense(encoder, activation="sigmoid", name=f"{encoder.name}_decoder")(code)
    model = keras.Model(inputs, reconstruction, name=f"{encoder.name}_dae")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss=summed_cross_entropy)
    return model


def _codes(features: keras.Model, examples: tf.data.Dataset | None, batch_size: int) -> np.ndarray | None:
    if examples is None:
        return None
    return features.predict(evaluation_batches(examples, batch_size), verbose=0)


def _as_pairs(codes: np.ndarray | None) -> tf.data.Dataset | None:
    """(code, code) examples: an autoencoder's input is its target (the noise is inside the model)."""
    return None if codes is None else tf.data.Dataset.from_tensor_slices(codes).map(lambda c: (c, c))


def code_splits(features: keras.Model, data: Splits, batch_size: int) -> Splits:
    """`data`'s training and validation inputs run through `features` once: the next layer's training data."""
    train, validation = (_codes(features, split, batch_size) for split in (data.train, data.validation))
    return dataclasses.replace(
        data,
        train=_as_pairs(train),
        validation=_as_pairs(validation),
        test=None,  # pretraining never sees the test set
        class_names=None,
        assets={},
    )


def _first_call(layer: keras.layers.Layer) -> Any:
    """The node of `layer`'s first call: the full model's (its autoencoder calls it again)."""
    return layer._inbound_nodes[0]


def pretrain_stack(
    model: keras.Model,
    encoders: Sequence[layers.Dense],
    corruption: Sequence[float],
    data: Splits,
    trainer: Trainer,
    *,
    epochs: int,
    learning_rate: float,
    prefix: str = "pretrain_",
) -> list[keras.Model]:
    """Pretrain each of `encoders` (layers of `model`, bottom up) as a denoising autoencoder; return those.

    A finished stage (of a resumed run) loads its weights; the codes it was trained on are not computed again.
    """
    autoencoders = []
    for k, (encoder, rate) in enumerate(zip(encoders, corruption, strict=True), start=1):
        stage = f"{prefix}{k}"
        if trainer.finished(stage):
            stage_data = data  # not read: the stage only loads its weights
        else:
            below = _first_call(encoder).input_tensors[0]  # what the encoder reads in `model`
            features = keras.Model(model.inputs, below)
            stage_data = code_splits(features, data, trainer.config.batch_size)
        autoencoder = denoising_autoencoder(encoder, rate, learning_rate)
        trainer.fit(autoencoder, stage_data, stage=stage, epochs=epochs)
        autoencoders.append(autoencoder)
    return autoencoders
