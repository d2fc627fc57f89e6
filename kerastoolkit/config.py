"""Typed hyperparameters: a recipe's `Config` is a dataclass whose defaults are the published setup.

    @dataclass
    class Config(TrainingConfig):
        hidden_units: int = param(625, "units in the hidden layer")

`apply_overrides(Config(), ["epochs=3"])` parses each KEY=VALUE to the field's type and refuses unknown keys and bad
values with a `ConfigError` that lists the valid keys; a Config may define `check(self)` to refuse fields that do
not go together (it runs after every parse, so a bad mix is refused before any run folder exists).
`to_dict`/`from_dict` round-trip config.json. Parsing is strict: an int is an optional sign and decimal digits (not
`1e3`, `2.0`, `0x10`, ` 3` or `True`), a float is a finite decimal number, and every value is checked against its
field's type and bounds.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from kerastoolkit.errors import ConfigError

C = TypeVar("C")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")

# (metadata key, test that puts a value out of range, what the message says)
_BOUNDS = (
    ("minimum", operator.lt, "too small: it must be at least"),
    ("above", operator.le, "too small: it must be above"),
    ("maximum", operator.gt, "too large: it must be at most"),
    ("below", operator.ge, "too large: it must be below"),
)


def param(
    default: Any,
    doc: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    below: float | None = None,
) -> Any:
    """A hyperparameter: its default, a one-line doc for `kt show`, and optional bounds.

    `minimum` and `maximum` are inclusive, `above` and `below` exclusive: a dropout rate is
    `param(0.5, "...", minimum=0.0, below=1.0)`.
    """
    if isinstance(default, list):
        raise TypeError("use a tuple for sequence defaults (dataclass defaults must be immutable)")
    bounds = {"minimum": minimum, "maximum": maximum, "above": above, "below": below}
    return field(default=default, metadata={"doc": doc, **bounds})


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
    learning_rate: float = param(1e-3, "optimizer step size", above=0.0)
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
        choices = [repr(a) for a in typing.get_args(tp)]
        if len(choices) > 6:  # e.g. a task number: 'all' | '1' | '2' | ... | '20'
            choices = [*choices[:3], "...", choices[-1]]
        return " | ".join(choices)
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
        return tuple(parse_value(item_type, part.strip()) for part in text.split(",")) if text else ()
    if tp is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError("expected true or false")
    if tp is int:
        if not _INTEGER.fullmatch(text):
            raise ValueError("expected an integer: an optional sign and decimal digits")
        return int(text)
    if tp is float:
        if not _DECIMAL.fullmatch(text) or not math.isfinite(float(text)):
            raise ValueError("expected a finite decimal number such as 0.01 or 1e-3")
        return float(text)
    if tp is str:
        return text
    raise TypeError(f"unsupported hyperparameter type {tp!r}")


def is_list_valued(tp: Any) -> bool:
    """Whether a hyperparameter type is a list (`tuple[int, ...]`), given on the command line as A,B,C."""
    return typing.get_origin(tp) is tuple


def value_text(value: Any) -> str:
    """A hyperparameter's value as KEY=VALUE writes it, what `parse_value` reads back (a list's items joined by
    commas)."""
    return ",".join(str(v) for v in value) if isinstance(value, tuple | list) else str(value)


def _coerce(tp: Any, value: Any) -> Any:
    """Bring a JSON value back to the field's type (lists become tuples)."""
    if is_list_valued(tp) and isinstance(value, list):
        return tuple(value)
    if tp is float and isinstance(value, int):
        return float(value)
    return value


def _is_instance(tp: Any, value: Any) -> bool:
    """Whether `value` is of the hyperparameter type `tp` (a bool is no int; an int will do for a float)."""
    origin = typing.get_origin(tp)
    if origin is Literal:
        return any(type(value) is type(choice) and value == choice for choice in typing.get_args(tp))
    if origin is tuple:
        return isinstance(value, tuple) and all(_is_instance(typing.get_args(tp)[0], item) for item in value)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp) if tp in (bool, str) else True


def _check_bounds(name: str, value: Any, metadata: Mapping[str, Any]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if not math.isfinite(value):
        raise ConfigError(f"{name}={value} is not a finite number")
    for key, out_of_range, message in _BOUNDS:
        bound = metadata.get(key)
        if bound is not None and out_of_range(value, bound):
            raise ConfigError(f"{name}={value} is {message} {bound:g}")


def validate(config: Any, *, together: bool = True) -> None:
    """Check each field's type and bounds (floats must be finite), then (unless `together` is false) the Config's
    own `check()` of how its fields go together, if it has one; raise ConfigError naming the field."""
    hints = _hints(type(config))
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if not _is_instance(hints[f.name], value):
            raise ConfigError(f"{f.name}={value!r} is not of type {type_name(hints[f.name])}")
        metadata = _metadata(type(config), f.name)
        for item in value if isinstance(value, tuple) else (value,):
            _check_bounds(f.name, item, metadata)
    if together and hasattr(config, "check"):
        config.check()


def check_heads(config: Any) -> None:
    """ConfigError unless `config.units` splits evenly into `config.heads` attention heads."""
    if config.units % config.heads:
        raise ConfigError(
            f"units={config.units} does not split into heads={config.heads}: each head is units/heads wide, so "
            "give units a multiple of heads"
        )


def _unknown_key(config_cls: type, key: str) -> ConfigError:
    valid = ", ".join(f.name for f in dataclasses.fields(config_cls))
    return ConfigError(f"unknown hyperparameter {key!r}; valid keys: {valid}")


def last_wins(overrides: Iterable[str]) -> list[str]:
    """KEY=VALUE items with one per key, the last given (a benchmark's `--set` over a run's own settings), in the
    order each key first came; `apply_overrides` itself refuses a key given twice."""
    return list({item.partition("=")[0]: item for item in overrides}.values())


def apply_overrides(config: C, overrides: Iterable[str], *, together: bool = True) -> C:
    """Return a copy of `config` with each KEY=VALUE applied, parsed to the field's type, then validated (how the
    fields go together too, unless `together` is false: `kt tune` checks that once the searched values are in)."""
    cls = type(config)
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    changes: dict[str, Any] = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} is not of the form KEY=VALUE")
        if key not in names:
            raise _unknown_key(cls, key)
        if key in changes:
            raise ConfigError(f"{key} is given twice")
        try:
            changes[key] = parse_value(hints[key], text)
        except ValueError as exc:
            raise ConfigError(f"bad value for {key} ({type_name(hints[key])}): {text!r}: {exc}") from None
    updated = dataclasses.replace(config, **changes)
    validate(updated, together=together)
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
