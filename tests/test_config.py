"""Typed hyperparameters: parsing, refusal of bad keys and values, JSON round trip."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import pytest

from kerastoolkit.config import TrainingConfig, apply_overrides, fields, from_dict, param, to_dict
from kerastoolkit.errors import ConfigError


@dataclass
class ToyConfig(TrainingConfig):
    epochs: int = 7
    hidden: tuple[int, ...] = param((625, 625), "hidden layer sizes")
    optimizer: Literal["sgd", "adam"] = param("sgd", "which optimizer")
    nesterov: bool = param(False, "Nesterov momentum")


def test_overrides_parse_to_field_types():
    config = apply_overrides(
        ToyConfig(), ["epochs=3", "learning_rate=0.5", "hidden=100,50", "optimizer=adam", "nesterov=yes"]
    )
    assert config.epochs == 3 and isinstance(config.epochs, int)
    assert config.learning_rate == 0.5
    assert config.hidden == (100, 50)
    assert config.optimizer == "adam"
    assert config.nesterov is True


def test_unknown_key_lists_the_valid_keys():
    with pytest.raises(ConfigError, match="unknown hyperparameter 'epoch'; valid keys: epochs, batch_size"):
        apply_overrides(ToyConfig(), ["epoch=3"])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("epochs=three", "bad value for epochs"),
        ("epochs=2.5", "expected an integer"),
        ("optimizer=rmsprop", "expected one of sgd, adam"),
        ("nesterov=maybe", "expected true or false"),
        ("epochs=0", "epochs=0 is too small: it must be at least 1"),
        ("epochs", "not of the form KEY=VALUE"),
    ],
)
def test_bad_values_are_refused(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(ToyConfig(), [override])


def test_json_round_trip():
    config = apply_overrides(ToyConfig(), ["hidden=10,20,30", "learning_rate=0.25"])
    again = from_dict(ToyConfig, json.loads(json.dumps(to_dict(config))))
    assert again == config
    assert again.hidden == (10, 20, 30)


def test_from_dict_refuses_unknown_keys():
    with pytest.raises(ConfigError, match="unknown hyperparameter 'depth'"):
        from_dict(ToyConfig, {"depth": 3})


def test_fields_inherit_docs_when_only_the_default_changes():
    info = {f.name: f for f in fields(ToyConfig)}
    assert info["epochs"].default == 7
    assert info["epochs"].doc == "passes over the training set"
    assert info["hidden"].type_name == "tuple[int, ...]"
    assert info["optimizer"].type_name == "'sgd' | 'adam'"
