"""A recipe's `Config` without importing its module: `kt show` and `KEY=VALUE` checks load no TensorFlow.

A recipe module imports Keras at its top, which costs seconds. Its `Config` dataclass needs none of that, so
`light_config_class` parses the file with `ast` and executes only what `Config` needs: light imports (the
modules in `LIGHT_IMPORTS`), assignments computed from names already bound, and the class itself. When that is
not enough, it returns None and the caller imports the module.
"""

from __future__ import annotations

import ast
import builtins
import functools
import sys
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

# What the reduced module of `light_config_class` may import: nothing that imports TensorFlow or numpy
# (kerastoolkit.qa.config and kerastoolkit.translation.config hold shared Config bases).
LIGHT_IMPORTS = frozenset(
    {
        "__future__",
        "dataclasses",
        "typing",
        "collections.abc",
        "enum",
        "kerastoolkit.config",
        "kerastoolkit.errors",
        "kerastoolkit.qa.config",
        "kerastoolkit.translation.config",
        "kerastoolkit.vision.config",
    }
)
_LIGHT_MODULES = "kerastoolkit._light_recipes"  # where the reduced modules are registered in sys.modules


def _light_import(node: ast.stmt) -> list[str] | None:
    """The names a light import binds, or None when `node` is no import of LIGHT_IMPORTS only."""
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in LIGHT_IMPORTS:
        return [alias.asname or alias.name for alias in node.names]
    if isinstance(node, ast.Import) and all(alias.name in LIGHT_IMPORTS for alias in node.names):
        return [alias.asname or alias.name.partition(".")[0] for alias in node.names]
    return None


def _assigned_names(node: ast.stmt, bound: set[str]) -> list[str] | None:
    """The names a plain `NAME = VALUE` (or `NAME: T = VALUE`) binds when VALUE reads only names in `bound`."""
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return None
    read = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    if not all(isinstance(t, ast.Name) for t in targets) or not read <= bound:
        return None
    return [t.id for t in targets]  # type: ignore[attr-defined]


def _reduced_module(tree: ast.Module) -> ast.Module:
    """The statements of a recipe that `Config` needs: light imports, assignments computed from what is
    already bound (constants, type aliases), and the `class Config` itself; everything else is left out."""
    kept: list[ast.stmt] = []
    bound = set(dir(builtins))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Config":
            return ast.Module(body=[*kept, node], type_ignores=[])
        names = _light_import(node)
        if names is None:
            names = _assigned_names(node, bound)
        if names is not None:
            kept.append(node)
            bound.update(names)
    raise LookupError("no class Config")


@functools.cache
def light_config_class(name: str, path: Path) -> type | None:
    """The `Config` of the recipe in `path`, built from its light statements alone (see `_reduced_module`),
    or None when it needs more (then the module itself must be imported)."""
    module = ModuleType(f"{_LIGHT_MODULES}.{name}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # dataclasses and typing.get_type_hints look the module up there
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        exec(compile(_reduced_module(tree), str(path), "exec"), module.__dict__)
        config_class = module.Config
        typing.get_type_hints(config_class)  # every annotation resolves,
        config_class()  # and the defaults build
    except Exception:
        del sys.modules[module.__name__]
        return None
    config_class.__reduce__ = lambda config: (rebuilt_light_config, (name, vars(config).copy()))
    return config_class


def rebuilt_light_config(name: str, values: dict[str, Any]) -> Any:
    """A light Config unpickled (in another process, say): made again from its recipe's name and its values, since
    its class lives in a module no import can find."""
    from kerastoolkit.config import from_dict
    from kerastoolkit.registry import get_recipe

    return from_dict(get_recipe(name).config_class, values)
