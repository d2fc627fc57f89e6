"""The hyperparameters of the MNIST conv net and of augmentation, shared by the image recipes (light: no TF)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kerastoolkit.config import TrainingConfig, param
from kerastoolkit.errors import ConfigError

# Names `augment=` takes, comma-separated: "affine" is rotation, translation and scaling together.
Distortion = Literal["none", "elastic", "rotation", "translation", "scaling", "affine"]


@dataclass
class ConvNetConfig(TrainingConfig):
    """The mnist_conv net (`vision.convnet`) and its schedule: warm-up then cosine, Adam, label smoothing."""

    epochs: int = 8
    batch_size: int = 128
    learning_rate: float = param(0.003, "peak learning rate (after the warm-up; cosine to 0 by the end)", above=0.0)
    warmup_epochs: float = param(0.5, "epochs of linear warm-up from 0 to the peak learning rate", minimum=0.0)
    filters: int = param(16, "filters in the first block (the second has twice as many)", minimum=1)
    dense_units: int = param(256, "units in the dense layer", minimum=1)
    dropout: float = param(0.4, "dropout before the classifier", minimum=0.0, below=1.0)
    bn_momentum: float = param(0.9, "momentum of batch normalisation's moving statistics", minimum=0.0, below=1.0)
    label_smoothing: float = param(0.1, "label smoothing of the cross-entropy", minimum=0.0, below=1.0)

    def check(self) -> None:
        if self.warmup_epochs > self.epochs:
            raise ConfigError(
                f"warmup_epochs={self.warmup_epochs:g} is longer than the run (epochs={self.epochs}): the peak "
                "learning rate would never be reached"
            )


@dataclass
class AugmentConfig(ConvNetConfig):
    """The conv net trained on distorted digits (`vision.augment`); each strength 0 turns its distortion off."""

    dataset: Literal["mnist", "fashion_mnist"] = param("mnist", "the images: MNIST digits or Fashion-MNIST")
    augment: tuple[Distortion, ...] = param(
        ("elastic",), "distortions, comma-separated: none, elastic, rotation, translation, scaling, affine (all three)"
    )
    elastic_alpha: float = param(
        34.0, "elastic distortion: scale of the displacement field (pixels)", minimum=0.0, maximum=100.0
    )
    elastic_sigma: float = param(
        6.0, "elastic distortion: std of the Gaussian smoothing the field (pixels)", minimum=1.0, maximum=14.0
    )
    rotation: float = param(10.0, "rotation: at most this many degrees either way", minimum=0.0, maximum=180.0)
    translation: float = param(
        0.1, "translation: at most this fraction of the width/height either way", minimum=0.0, maximum=0.5
    )
    scaling: float = param(0.1, "scaling: each axis by a factor in [1 - s, 1 + s]", minimum=0.0, below=1.0)
    preprocess: Literal["none", "standardise", "zca"] = param(
        "none", "input preprocessing fitted on the training split and saved in the model"
    )

    def check(self) -> None:
        super().check()
        if not self.augment:
            raise ConfigError("augment lists no distortion: give augment=none for none, or e.g. augment=elastic")
        if "none" in self.augment and len(self.augment) > 1:
            raise ConfigError(f"augment={','.join(self.augment)}: none cannot be combined with a distortion")
        if len(set(self.augment)) < len(self.augment):
            raise ConfigError(f"augment={','.join(self.augment)} names a distortion twice")
