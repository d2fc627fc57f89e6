"""Recipe discovery: every module in the `recipes` package is a recipe, found without importing it.

Listing reads each file's docstring and its literal `PUBLISHED` dict with `ast`, so `kt list` stays fast and
imports no TensorFlow. A recipe's `Config` is read the same way (see `light_config`), so `kt show` and the
checking of `KEY=VALUE` overrides import no TensorFlow either. The module itself (and with it Keras) is imported
only when a recipe is trained or used. A new recipe is one new file in recipes/; nothing else is edited.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from kerastoolkit.errors import UnknownRecipeError
from kerastoolkit.light_config import light_config_class
from kerastoolkit.scores import lower_is_better

RECIPES_PACKAGE = "recipes"


@dataclass(frozen=True)
class Published:
    """The number a recipe must reach, from its source.

    `value` is a fraction for accuracies; `decimals` is the precision the source gives it with (92.5% has one
    decimal, 99.50% two), and scores are compared with it at that precision.
    """

    metric: str
    value: float
    source: str
    decimals: int = 2

    @property
    def is_percentage(self) -> bool:
        """Accuracies and error rates are fractions, shown as percentages."""
        return is_percentage(self.metric)

    @property
    def lower_is_better(self) -> bool:
        return lower_is_better(self.metric)

    def _shown(self, value: float) -> float:
        return value * 100 if self.is_percentage else value

    def format(self, value: float | None = None, decimals: int | None = None) -> str:
        """The published value at its own precision, or `value` at `decimals` (default: the published ones)."""
        shown = self._shown(self.value if value is None else value)
        places = self.decimals if decimals is None else decimals
        return f"{shown:.{places}f}%" if self.is_percentage else f"{shown:.{places}f}"

    def reached(self, value: float) -> bool:
        score, target = round(self._shown(value), self.decimals), round(self._shown(self.value), self.decimals)
        return score <= target if self.lower_is_better else score >= target

    def describe(self) -> str:
        """`accuracy 99.50%`, or `error <= 12.4%` for a metric where lower is better."""
        return f"{self.metric} {'<= ' if self.lower_is_better else ''}{self.format()}"


def is_percentage(metric: str) -> bool:
    """A rate is named for what it counts (`accuracy`, `error`, `perceptron_accuracy`, `top5_error`); a metric
    that only begins with one (`error_after_10000`, a squared error) is a plain number."""
    return metric.endswith(("accuracy", "error"))


def format_score(score: float, published: Published | None, metric: str = "") -> str:
    """A test score as kt reports it: like its published target, a percentage with two decimals and a plain
    number with at least two (as many as the target has), else 4 significant digits."""
    if published:
        return published.format(score, decimals=2 if published.is_percentage else max(2, published.decimals))
    return f"{score * 100:.2f}%" if is_percentage(metric) else f"{score:.4g}"


@dataclass(frozen=True)
class RecipeInfo:
    """A recipe as the registry finds it (`get_recipe(name)`), read from its file without importing it: its name,
    summary, published target and hooks; `module` imports it, `make_config` gives its hyperparameters."""

    name: str
    path: Path
    summary: str
    published: Published | None
    top_level: frozenset[str] = frozenset()  # names the module defines (functions, classes, assignments)

    @cached_property
    def module(self) -> ModuleType:
        """The recipe module itself (imports Keras)."""
        return importlib.import_module(f"{RECIPES_PACKAGE}.{self.name}")

    @property
    def trains_in_stages(self) -> bool:
        """Whether the recipe defines its own `train(model, data, config, trainer)` (read from the file)."""
        return self.has_hook("train")

    @property
    def has_light_config(self) -> bool:
        """Whether the Config can be read without importing the recipe module (and Keras)."""
        return light_config_class(self.name, self.path) is not None

    @property
    def config_class(self) -> type:
        """The recipe's Config: the light copy when there is one, else the module's own (which imports Keras).

        The two have the same fields, defaults and bounds; the engine turns a light Config into the module's
        own before it builds anything (`config.from_dict(module.Config, config.to_dict(light))`).
        """
        return light_config_class(self.name, self.path) or self.module.Config

    @property
    def takes_images(self) -> bool:
        """Whether the recipe's inputs are images with pixels in [0, 1]: it defines `IMAGE_SHAPE` (read from the
        file, like its hooks). `kt visualize` looks inside the nets of such recipes."""
        return "IMAGE_SHAPE" in self.top_level

    def has_hook(self, name: str) -> bool:
        """Whether the recipe defines the optional hook `name` (`train`, `evaluate`, `predict`, `report`...) or
        flag (`TRANSLATES = True`): a function, a class or an assignment other than None or False.

        Read from the file like the docstring, so asking costs no import.
        """
        return name in self.top_level

    def published_for(self, config: Any) -> Published | None:
        """The target for this config: the recipe's `published(config)` hook, else its `PUBLISHED` dict.

        A recipe whose published number depends on its hyperparameters (a bAbI task, a training-set size)
        defines `published(config)` returning a `Published` or None.
        """
        if self.has_hook("published"):
            return self.module.published(config)
        return self.published

    def metric_for(self, config: Any) -> str:
        """The score that a run's summary line reports: the published metric, else the recipe's usual one.

        A recipe whose score's name depends on the hyperparameters (`error_after_{steps}`) defines
        `metric(config)`, used where no published target applies to the config.
        """
        published = self.published_for(config)
        if published is None and self.has_hook("metric"):
            return self.module.metric(config)
        published = published or self.published
        return published.metric if published else "loss"

    def make_config(self, overrides: str | list[str] | None = None, **values: Any) -> Any:
        """The recipe's Config: published defaults, then KEY=VALUE `overrides` (one string or a list), then keyword
        values (which win over an override of the same key); checked together once all are in."""
        from kerastoolkit.config import apply_overrides, value_text

        items = [overrides] if isinstance(overrides, str) else list(overrides or [])
        items = [item for item in items if item.partition("=")[0] not in values]
        items += [f"{k}={value_text(v)}" for k, v in values.items()]
        return apply_overrides(self.config_class(), items)


def _recipes_dir() -> Path:
    spec = importlib.util.find_spec(RECIPES_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UnknownRecipeError(f"the '{RECIPES_PACKAGE}' package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_info(name: str, path: Path) -> RecipeInfo:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    doc = ast.get_docstring(tree) or ""
    summary = doc.strip().splitlines()[0] if doc.strip() else ""
    published = None
    top_level: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            top_level.add(node.name)
        elif isinstance(node, ast.Assign):
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if not (isinstance(node.value, ast.Constant) and node.value.value in (None, False)):
                top_level |= names  # `TRANSLATES = False` or `report = None` defines no hook
            if "PUBLISHED" in names:
                published = Published(**ast.literal_eval(node.value))
    return RecipeInfo(name=name, path=path, summary=summary, published=published, top_level=frozenset(top_level))


def list_recipes() -> list[RecipeInfo]:
    """Every recipe, sorted by name, read without importing any of them."""
    folder = _recipes_dir()
    return [
        _read_info(mod.name, folder / f"{mod.name}.py")
        for mod in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name)
        if not mod.ispkg and not mod.name.startswith("_")
    ]


def get_recipe(name: str | RecipeInfo) -> RecipeInfo:
    """The recipe called `name` (a RecipeInfo is given back as it is); an unknown name raises UnknownRecipeError
    with the closest names."""
    if isinstance(name, RecipeInfo):
        return name
    recipes = {r.name: r for r in list_recipes()}
    if name in recipes:
        return recipes[name]
    close = difflib.get_close_matches(name, recipes, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; known recipes: {', '.join(recipes)}"
    raise UnknownRecipeError(f"unknown recipe {name!r}{hint}")
