"""Recipe discovery: every module in the `recipes` package is a recipe, found without importing it.

Listing reads each file's docstring and its literal `PUBLISHED` dict with `ast`, so `kt list` stays fast and
imports no TensorFlow. The module itself (and with it Keras) is imported only when a recipe is used.
A new recipe is one new file in recipes/; nothing else is edited.
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
        return "accuracy" in self.metric

    @property
    def lower_is_better(self) -> bool:
        return any(word in self.metric for word in ("loss", "error", "perplexity"))

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


def format_score(score: float, published: Published | None) -> str:
    """A test score as kt reports it: like its published target with two decimals, else 4 significant digits."""
    return published.format(score, decimals=2) if published else f"{score:.4g}"


@dataclass(frozen=True)
class RecipeInfo:
    name: str
    path: Path
    summary: str
    published: Published | None

    @cached_property
    def module(self) -> ModuleType:
        """The recipe module itself (imports Keras)."""
        return importlib.import_module(f"{RECIPES_PACKAGE}.{self.name}")

    @property
    def config_class(self) -> type:
        return self.module.Config

    def make_config(self, overrides: list[str] | None = None, **values: Any) -> Any:
        """The recipe's Config: published defaults, then KEY=VALUE `overrides`, then keyword values."""
        from kerastoolkit.config import apply_overrides

        config = apply_overrides(self.config_class(), overrides or [])
        return apply_overrides(config, [f"{k}={_as_text(v)}" for k, v in values.items()])


def _as_text(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


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
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PUBLISHED" for t in node.targets):
            published = Published(**ast.literal_eval(node.value))
    return RecipeInfo(name=name, path=path, summary=summary, published=published)


def list_recipes() -> list[RecipeInfo]:
    """Every recipe, sorted by name, read without importing any of them."""
    folder = _recipes_dir()
    return [
        _read_info(mod.name, folder / f"{mod.name}.py")
        for mod in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name)
        if not mod.ispkg and not mod.name.startswith("_")
    ]


def get_recipe(name: str) -> RecipeInfo:
    """The recipe called `name`; an unknown name raises UnknownRecipeError with the closest names."""
    recipes = {r.name: r for r in list_recipes()}
    if name in recipes:
        return recipes[name]
    close = difflib.get_close_matches(name, recipes, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; known recipes: {', '.join(recipes)}"
    raise UnknownRecipeError(f"unknown recipe {name!r}{hint}")
