"""Typed hyperparameters: a recipe's `Config` is a dataclass whose defaults are the published setup.

    @dataclass
    class Config(TrainingConfig):
        hidden_units: int = param(625, "units in the hidden layer")

`apply_overrides(Config(), ["epochs=3"])` parses each KEY=VALUE to the field's type and refuses unknown keys
and bad values with a `ConfigError` that lists the valid keys. `to_dict`/`from_dict` round-trip config.json.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from kerastoolkit.errors import ConfigError

C = TypeVar("C")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def param(default: Any, doc: str, *, minimum: float | None = None) -> Any:
    """A hyperparameter: its default, a one-line doc for `kt show`, and an optional lower bound."""
    if isinstance(default, list):
        raise TypeError("use a tuple for sequence defaults (dataclass defaults must be immutable)")
    return field(default=default, metadata={"doc": doc, "minimum": minimum})


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type_name: str
    default: Any
    doc: str


@dataclass
class RecipeConfig:
    """What every trained recipe has: the engine reads `epochs` and `batch_size`; the limits make quick trials.

    Recipes subclass it (or `TrainingConfig`) and change the defaults to their published setup.
    """

    epochs: int = param(10, "passes over the training set", minimum=1)
    batch_size: int = param(128, "examples per gradient step", minimum=1)
    learning_rate: float = param(1e-3, "optimizer step size", minimum=0.0)
    train_limit: int = param(0, "train on the first N training examples only (0: all); for quick trials", minimum=0)
    test_limit: int = param(0, "score the first N test examples only (0: all); for quick trials", minimum=0)


@dataclass
class TrainingConfig(RecipeConfig):
    """A recipe whose validation set is the last `validation_size` training examples (the MNIST ladder)."""

    validation_size: int = param(5000, "training examples held out for validation (the last N)", minimum=0)

    def split_sizes(self) -> dict[str, int]:
        """The keyword arguments the data loaders take to carve validation and limit the splits."""
        return {
            "validation_size": self.validation_size,
            "train_limit": self.train_limit,
            "test_limit": self.test_limit,
        }


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _metadata(cls: type, name: str) -> Mapping[str, Any]:
    """A field's doc and bound, inherited from a base class when a recipe only changes the default."""
    for klass in cls.__mro__:
        own = getattr(klass, "__dataclass_fields__", {}).get(name)
        if own is not None and own.metadata:
            return own.metadata
    return {}


def type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin is tuple:
        return f"tuple[{type_name(typing.get_args(tp)[0])}, ...]"
    return getattr(tp, "__name__", str(tp))


def fields(config_cls: type) -> list[FieldInfo]:
    """Each hyperparameter of a Config class: name, type, default and doc, in declaration order."""
    hints = _hints(config_cls)
    return [
        FieldInfo(f.name, type_name(hints[f.name]), f.default, _metadata(config_cls, f.name).get("doc", ""))
        for f in dataclasses.fields(config_cls)
    ]


def parse_value(tp: Any, text: str) -> Any:
    """Parse a command-line string to the type `tp` (int, float, bool, str, Literal, tuple[X, ...])."""
    origin = typing.get_origin(tp)
    if origin is Literal:
        choices = typing.get_args(tp)
        for choice in choices:
            if str(choice) == text:
                return choice
        raise ValueError(f"expected one of {', '.join(map(str, choices))}")
    if origin is tuple:
        item_type = typing.get_args(tp)[0]
        return tuple(parse_value(item_type, part.strip()) for part in text.split(",") if part.strip())
    if tp is bool:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("expected true or false")
    if tp is int:
        as_float = float(text)
        if not as_float.is_integer():
            raise ValueError("expected an integer")
        return int(as_float)
    if tp is float:
        return float(text)
    if tp is str:
        return text
    raise TypeError(f"unsupported hyperparameter type {tp!r}")


def _coerce(tp: Any, value: Any) -> Any:
    """Bring a JSON value back to the field's type (lists become tuples)."""
    if typing.get_origin(tp) is tuple:
        return tuple(value)
    if tp is float and isinstance(value, int):
        return float(value)
    return value


def validate(config: Any) -> None:
    """Check each field's lower bound; raise ConfigError naming the field."""
    for f in dataclasses.fields(config):
        minimum = _metadata(type(config), f.name).get("minimum")
        value = getattr(config, f.name)
        if minimum is not None and value < minimum:
            raise ConfigError(f"{f.name}={value} is too small: it must be at least {minimum}")


def _unknown_key(config_cls: type, key: str) -> ConfigError:
    valid = ", ".join(f.name for f in dataclasses.fields(config_cls))
    return ConfigError(f"unknown hyperparameter {key!r}; valid keys: {valid}")


def apply_overrides(config: C, overrides: Iterable[str]) -> C:
    """Return a copy of `config` with each KEY=VALUE applied, parsed to the field's type, then validated."""
    cls = type(config)
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    changes: dict[str, Any] = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep:
            raise ConfigError(f"override {item!r} is not of the form KEY=VALUE")
        if key not in names:
            raise _unknown_key(cls, key)
        try:
            changes[key] = parse_value(hints[key], text.strip())
        except ValueError as exc:
            raise ConfigError(f"bad value for {key} ({type_name(hints[key])}): {text!r}: {exc}") from None
    updated = dataclasses.replace(config, **changes)
    validate(updated)
    return updated


def to_dict(config: Any) -> dict[str, Any]:
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}


def from_dict(config_cls: type[C], data: Mapping[str, Any]) -> C:
    """Rebuild a Config from `to_dict` output (config.json); unknown keys are refused."""
    hints = _hints(config_cls)
    names = {f.name for f in dataclasses.fields(config_cls)}
    for key in data:
        if key not in names:
            raise _unknown_key(config_cls, key)
    config = config_cls(**{k: _coerce(hints[k], v) for k, v in data.items()})
    validate(config)
    return config
