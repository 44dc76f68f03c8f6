"""Fix recipes for `kb fix`: one small module per kind of fix, in the manner of thefuck's rules.

Every module in this package (except `_`-prefixed helpers) is a recipe and defines:

    name: str                                        what corpus entries list in `recipes: [...]`
    match(problem: Problem) -> bindings | None       what to edit, if this fix applies to this code
    apply(problem: Problem, bindings) -> Edits       the edit, aimed with what match() found
    rank: int  (optional, default 50)                lower is tried first

The registry wraps each module once into a `Recipe`. A round of `kb fix` builds one `Problem`
(the user's code parsed once, and the facts of its error) and hands the same object to every
recipe's match and apply. Which recipes may run is the corpus's decision: an entry whose
patterns explain the error names its recipes, so recipes never re-declare messages; the values
its pattern captured arrive in `Facts.values` under the entry's placeholder names.

A recipe that raises is a bug: `kb fix` logs it on the `kb.recipes` logger and goes on with the
others; the test suite fails on any such log record.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, wraps
from typing import Any

import libcst as cst

from assistant.repair.recipes._edit import Edits, Script, has_call

DEFAULT_RANK = 50
log = logging.getLogger("kb.recipes")


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


@dataclass(frozen=True)
class Problem:
    """One round's input to every recipe: the user's code and the facts of its error. The code is
    parsed once however many recipes (and entries' values) look at it; recipes only read the
    parse and write their changes into `problem.edits()`."""

    source: str
    facts: Facts

    @property
    def script(self) -> Script:
        return _parsed(self.source)

    def edits(self) -> Edits:
        return Edits(self.script)


@lru_cache(maxsize=4)
def _parsed(source: str) -> Script:
    return Script(source)


@dataclass(frozen=True)
class Recipe:
    name: str
    rank: int
    match: Callable[[Problem], Any]
    apply: Callable[[Problem, Any], Edits | None]

    def patch(self, problem: Problem, found: Any) -> str | None:
        edits = self.apply(problem, found)
        return edits.result() if edits is not None else None


@dataclass(frozen=True)
class Candidate:
    recipe: Recipe
    found: Any  # what match() returned: the bindings apply() uses


@cache
def registry() -> dict[str, Recipe]:
    """Every recipe in this package by its `name`, most conservative (lowest rank) first."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found.append(Recipe(module.name, getattr(module, "rank", DEFAULT_RANK), module.match, module.apply))
    found.sort(key=lambda recipe: (recipe.rank, recipe.name))
    return {recipe.name: recipe for recipe in found}


def candidates(problem: Problem, named: Sequence[str]) -> list[Candidate]:
    """The named recipes (the matched entry's) that apply to this code, in the entry's order.
    Code libcst cannot parse gets none: no recipe can edit it safely."""
    try:
        problem.script
    except cst.ParserSyntaxError:
        return []
    recipes = registry()
    found = []
    for recipe in (recipes[name] for name in dict.fromkeys(named) if name in recipes):
        if (bindings := guarded(recipe, "match", recipe.match, problem)) is not None and bindings is not False:
            found.append(Candidate(recipe, bindings))
    return found


def guarded(recipe: Recipe, step: str, function: Callable[..., Any], *args: Any) -> Any:
    """Run one step of a recipe; a recipe that raises is logged and gives nothing, so that one
    broken recipe cannot hide the fixes of the others."""
    try:
        return function(*args)
    except Exception:  # noqa: BLE001 - logged, recorded in the report, and fatal under test
        log.exception("recipe %s raised in %s()", recipe.name, step)
        return None


def needs_failing_line(match: Callable[[Problem], Any]) -> Callable[[Problem], Any]:
    """Precondition: the recipe edits the user's failing line, so it needs one in the traceback."""
    @wraps(match)
    def checked(problem: Problem) -> Any:
        return match(problem) if problem.facts.user_lines else None
    return checked


def needs_calls(*kinds: str) -> Callable[[Callable[[Problem], Any]], Callable[[Problem], Any]]:
    """Precondition: the code calls one of these layers or functions (by their last name part)."""
    def decorate(match: Callable[[Problem], Any]) -> Callable[[Problem], Any]:
        @wraps(match)
        def checked(problem: Problem) -> Any:
            return match(problem) if has_call(problem.script.module, kinds) else None
        return checked
    return decorate
