"""A search space from the command line, checked against a recipe's Config without TensorFlow.

learning_rate=1e-4..1e-1:log    a float range, sampled on a log scale
filters=16..64:step=16          an int range in steps of 16 (a float range may take a step too)
dropout=0.2,0.3,0.5             a choice among values
units=64,2/32,4                 a choice among lists, for a list-valued hyperparameter (its items take the commas)
epochs=5                        a fixed override, as in `kt run recipe`
"""

from __future__ import annotations

import dataclasses
import itertools
import typing
from dataclasses import dataclass
from typing import Any

from kerastoolkit.config import apply_overrides, is_list_valued, parse_value, type_name, value_text
from kerastoolkit.errors import ConfigError

ALGORITHMS = ("grid", "random", "bayesian", "hyperband")  # keras-tuner's oracles `kt tune --algorithm` offers


@dataclass(frozen=True)
class Dimension:
    """One searched hyperparameter: a list of `choices`, or a range `low..high` (optional `step`, `log`)."""

    name: str
    kind: str  # "choice", "int" or "float"
    choices: tuple[Any, ...] = ()
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    log: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dimension:
        choices = tuple(tuple(c) if isinstance(c, list) else c for c in data.get("choices", ()))  # JSON lists
        return cls(**{**data, "choices": choices})


def is_range(item: str, hints: dict[str, Any]) -> bool:
    """Whether KEY=VALUE searches (a range `..` or a choice `,`) rather than fixes a value. A list-valued
    hyperparameter's commas separate its items (`units=1000,500,30` is fixed): its choices are split by `/`."""
    name, _, text = item.partition("=")
    if is_list_valued(hints.get(name)):
        return "/" in text
    return ".." in text or "," in text


def parse_space(config: Any, items: list[str]) -> tuple[list[Dimension], Any]:
    """The dimensions searched and the base config from KEY=VALUE items: the defaults with the fixed overrides
    and each dimension's first choice (low end), once the choices and range ends are checked together."""
    hints = typing.get_type_hints(type(config))
    for item in items:
        _refuse_slashed_scalar(item, hints)
    ranges = [item for item in items if is_range(item, hints)]
    fixed_items = [item for item in items if not is_range(item, hints)]
    both = sorted({i.partition("=")[0] for i in fixed_items} & {i.partition("=")[0] for i in ranges})
    if both:
        raise ConfigError(f"{both[0]} is both fixed and searched; give it once, as a value or as a search")
    base = apply_overrides(config, fixed_items, together=False)
    dimensions, seen = [], set()
    for item in ranges:
        name, _, text = item.partition("=")
        if name not in hints:
            valid = ", ".join(f.name for f in dataclasses.fields(config))
            raise ConfigError(f"unknown hyperparameter {name!r} in the search space; valid keys: {valid}")
        if name in seen:
            raise ConfigError(f"{name} is searched twice")
        seen.add(name)
        dimension = _dimension(name, hints[name], text)
        for value in _extremes(dimension):  # bounds and types, as a fixed override would be
            apply_overrides(base, [f"{name}={value_text(value)}"], together=False)
        dimensions.append(dimension)
    if not dimensions:
        raise ConfigError(
            "nothing to search: give at least one KEY=LOW..HIGH or KEY=A,B,C (a list-valued one: KEY=A,B/C,D)"
        )
    return dimensions, _checked_together(base, fixed_items, dimensions)


MOST_COMBINATIONS = 4096  # of the choices and range ends checked together before a search starts


def _checked_together(base: Any, fixed: list[str], dimensions: list[Dimension]) -> Any:
    """`base` with every dimension at its first choice (low end), after checking that the choices and range ends
    go together in every combination (the first MOST_COMBINATIONS of them): 2 hidden layers with 3 corruption
    levels, or units that do not split into heads, are refused before a trial. Inside a range, a trial can still
    meet such a value: `RecipeTuner` then stops the search with the same one-line error."""
    combinations = itertools.product(*(_extremes(d) for d in dimensions))  # the first choices come first
    first = None
    for values in itertools.islice(combinations, MOST_COMBINATIONS):
        items = [f"{d.name}={value_text(value)}" for d, value in zip(dimensions, values, strict=True)]
        try:
            together = apply_overrides(base, items)
        except ConfigError as exc:
            given = f"with {' '.join(fixed)}, " if fixed else ""
            raise ConfigError(f"{given}the search would try {' '.join(items)}, which does not fit: {exc}") from None
        first = first or together
    return first


def _refuse_slashed_scalar(item: str, hints: dict[str, Any]) -> None:
    """`learning_rate=0.1/0.2` means choices given with the list-valued separator: say which one to use."""
    name, _, text = item.partition("=")
    if name in hints and not is_list_valued(hints[name]) and "/" in text:
        raise ConfigError(
            f"{item}: the choices of {name} are separated by commas ({name}={text.replace('/', ',')}); "
            "'/' separates the choices of a list-valued hyperparameter"
        )


def _dimension(name: str, tp: Any, text: str) -> Dimension:
    if is_list_valued(tp) or ".." not in text:
        separator = "/" if is_list_valued(tp) else ","
        try:
            choices = tuple(parse_value(tp, part.strip()) for part in text.split(separator))
        except ValueError as exc:
            raise ConfigError(f"bad choice for {name} ({type_name(tp)}): {text!r}: {exc}") from None
        if len(set(choices)) != len(choices):
            raise ConfigError(f"{name}={text} repeats a value")
        return Dimension(name, "choice", choices=choices)
    if tp not in (int, float):
        raise ConfigError(f"{name} is a {type_name(tp)}; a range LOW..HIGH needs an int or float hyperparameter")
    bounds, *options = text.split(":")
    low_text, _, high_text = bounds.partition("..")
    try:
        low, high = parse_value(tp, low_text.strip()), parse_value(tp, high_text.strip())
        step, log = _options(tp, options)
    except ValueError as exc:
        raise ConfigError(f"bad range for {name}: {text!r} ({exc}); e.g. 1e-4..1e-1:log or 16..64:step=16") from None
    if low >= high:
        raise ConfigError(f"the range {name}={text} goes from {low} to {high}: its low end must be below its high end")
    if log and low <= 0:
        raise ConfigError(f"{name}={text}: a log range needs a low end above 0")
    if step is not None and step > (high - low) * (1 + 1e-9):  # 0.2..0.3:step=0.1 fits, though 0.3 - 0.2 < 0.1
        raise ConfigError(
            f"{name}={text}: a step of {step} does not fit between {low} and {high}: only {low} would be tried"
        )
    return Dimension(name, "int" if tp is int else "float", low=low, high=high, step=step, log=log)


def _options(tp: Any, options: list[str]) -> tuple[Any, bool]:
    step, log = None, False
    for option in options:
        if option == "log":
            log = True
        elif option.startswith("step="):
            step = parse_value(tp, option.removeprefix("step="))
            if step <= 0:
                raise ValueError("the step must be above 0")
        else:
            raise ValueError(f"unknown range option {option!r}")
    if log and step is not None:
        raise ValueError("a range is either :log or :step=S, not both")
    return step, log


def _extremes(dimension: Dimension) -> tuple[Any, ...]:
    return dimension.choices if dimension.kind == "choice" else (dimension.low, dimension.high)
