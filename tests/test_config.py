"""Typed hyperparameters: parsing, refusal of bad keys and values, JSON round trip."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Literal

import pytest

from kerastoolkit.config import TrainingConfig, apply_overrides, fields, from_dict, last_wins, param, to_dict
from kerastoolkit.errors import ConfigError
from kerastoolkit.registry import get_recipe, list_recipes


@dataclass
class ToyConfig(TrainingConfig):
    epochs: int = 7
    hidden: tuple[int, ...] = param((625, 625), "hidden layer sizes")
    optimizer: Literal["sgd", "adam"] = param("sgd", "which optimizer")
    nesterov: bool = param(False, "Nesterov momentum")
    dropout: float = param(0.5, "a rate", minimum=0.0, below=1.0)


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
        ("learning_rate=0", "learning_rate=0.0 is too small: it must be above 0"),
        ("learning_rate=-0.1", "it must be above 0"),
        ("learning_rate=nan", "expected a finite decimal number"),
        ("learning_rate=inf", "expected a finite decimal number"),
        ("learning_rate=-Infinity", "expected a finite decimal number"),
        ("learning_rate=1e999", "expected a finite decimal number"),
        ("learning_rate=1_0", "expected a finite decimal number"),
        ("learning_rate= 0.1", "expected a finite decimal number"),
        ("hidden=100,,50", "bad value for hidden"),
        ("dropout=1", "dropout=1.0 is too large: it must be below 1"),
        ("dropout=-0.5", "dropout=-0.5 is too small: it must be at least 0"),
        ("nesterov= yes", "expected true or false"),
    ],
)
def test_bad_values_are_refused(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(ToyConfig(), [override])


@pytest.mark.parametrize("text", ["1e3", "2.0", "0x10", " 3", "3 ", "True", "1_000", "+", "", "３"])
def test_an_integer_is_an_optional_sign_and_decimal_digits(text):
    with pytest.raises(ConfigError, match="expected an integer: an optional sign and decimal digits"):
        apply_overrides(ToyConfig(), [f"epochs={text}"])


def test_integers_and_decimals_in_their_plain_forms_are_accepted():
    config = apply_overrides(ToyConfig(), ["epochs=+12", "batch_size=007", "learning_rate=.5e-2", "hidden=1, 2"])
    assert (config.epochs, config.batch_size, config.learning_rate, config.hidden) == (12, 7, 0.005, (1, 2))
    assert apply_overrides(ToyConfig(), ["hidden="]).hidden == ()


def test_a_key_given_twice_is_refused():
    with pytest.raises(ConfigError, match="epochs is given twice"):
        apply_overrides(ToyConfig(), ["epochs=2", "epochs=3"])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"epochs": "3"}, "epochs='3' is not of type int"),
        ({"epochs": True}, "epochs=True is not of type int"),
        ({"learning_rate": float("nan")}, "learning_rate=nan is not a finite number"),
        ({"hidden": 5}, "hidden=5 is not of type tuple"),
        ({"optimizer": "rmsprop"}, "optimizer='rmsprop' is not of type 'sgd' | 'adam'"),
    ],
)
def test_from_dict_refuses_values_of_the_wrong_type(values, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        from_dict(ToyConfig, values)


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


def test_last_wins_keeps_the_last_value_of_each_key_in_first_seen_order():
    assert last_wins(["labels=1000", "epochs=2", "labels=100"]) == ["labels=100", "epochs=2"]


@pytest.mark.parametrize(
    "name", [r.name for r in list_recipes() if "learning_rate" in {f.name for f in dataclasses.fields(r.config_class)}]
)
def test_no_recipe_takes_a_learning_rate_of_zero(name):
    with pytest.raises(ConfigError, match="learning_rate=0.0 is too small: it must be above 0"):
        get_recipe(name).make_config(["learning_rate=0"])


def test_a_light_config_pickles_into_a_fresh_process(tmp_path):
    import pickle
    import subprocess
    import sys

    from test_cli import repo_env

    config = get_recipe("mnist_sda").make_config(["hidden=500,500"], corruption=(0.1, 0.2), epochs=3)
    (tmp_path / "config.pickle").write_bytes(pickle.dumps(config))
    code = (
        "import pickle, sys\n"
        f"config = pickle.loads(open({str(tmp_path / 'config.pickle')!r}, 'rb').read())\n"
        "print(type(config).__module__, config.hidden, config.corruption, config.epochs)\n"
        "assert 'tensorflow' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=repo_env(), check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["kerastoolkit._light_recipes.mnist_sda", "(500,", "500)", "(0.1,", "0.2)", "3"]
    assert pickle.loads(pickle.dumps(config)) == config


def test_make_config_checks_overrides_and_keyword_values_together():
    recipe = get_recipe("mnist_sda")
    config = recipe.make_config("hidden=500,500", corruption=(0.1, 0.2))  # fits only once both are in
    assert (config.hidden, config.corruption) == ((500, 500), (0.1, 0.2))
    assert recipe.make_config(["epochs=2"], epochs=5).epochs == 5  # a keyword value wins over an override
    with pytest.raises(ConfigError, match="epochs is given twice"):
        recipe.make_config(["epochs=2", "epochs=3"])
