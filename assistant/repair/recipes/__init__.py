"""Fix recipes for `kb fix`: one small module per kind of fix, like thefuck's rules.

Every module in this package (except `_`-prefixed helpers) is a recipe and defines:

    name: str                                         what corpus entries list in `recipes: [...]`
    match(tree: libcst.Module, facts: Facts) -> bool  could this fix apply to this code and error?
    apply(source: str, facts: Facts) -> str | None    the patched source, or None when it cannot
    rank: int  (optional, default 50)                 lower is tried first among matching recipes

Recipes read the error message themselves (with kb.patterns syntax), so they work on errors no
corpus entry declares yet; the entry's own pattern values arrive in `Facts.values` as well.
Adding a fix means adding a module: the registry discovers it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Protocol

import libcst as cst

DEFAULT_RANK = 50


@dataclass(frozen=True)
class Facts:
    """What is known about one error: enough for a recipe to decide and to aim its edit."""

    error_type: str
    message: str
    values: Mapping[str, str] = field(default_factory=dict)  # the matched entry pattern's placeholders
    line: int | None = None  # the failing line in the user's code (innermost user frame)
    lines: tuple[int, ...] = ()  # every user frame's line, outermost call first
    layer: str | None = None  # the torch.nn module file the error surfaced in ('batchnorm', 'linear')

    @property
    def user_lines(self) -> tuple[int, ...]:
        return self.lines or ((self.line,) if self.line is not None else ())

    @property
    def innermost_first(self) -> tuple[int, ...]:
        return tuple(reversed(self.user_lines))


class Recipe(Protocol):
    name: str

    def match(self, tree: cst.Module, facts: Facts) -> bool: ...

    def apply(self, source: str, facts: Facts) -> str | None: ...


@cache
def registry() -> dict[str, ModuleType]:
    """Every recipe module in this package by its `name`, most conservative (lowest rank) first."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if all(hasattr(module, attribute) for attribute in ("name", "match", "apply")):
            found.append(module)
    found.sort(key=lambda module: (getattr(module, "rank", DEFAULT_RANK), module.name))
    return {module.name: module for module in found}


def candidates(source: str, facts: Facts, named: Sequence[str] = ()) -> list[ModuleType]:
    """Recipes to try, in order: those the entry names first, then every other one whose match()
    is true. Code libcst cannot parse gets none: no recipe can edit it safely."""
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return []
    recipes = registry()
    ordered = [recipes[n] for n in named if n in recipes] + [r for n, r in recipes.items() if n not in named]
    return [recipe for recipe in ordered if _matches(recipe, tree, facts)]


def _matches(recipe: ModuleType, tree: cst.Module, facts: Facts) -> bool:
    """A recipe that trips over unusual code must not stop the others from being tried."""
    try:
        return bool(recipe.match(tree, facts))
    except Exception:  # noqa: BLE001 - any failure of one recipe means "does not apply"
        return False
