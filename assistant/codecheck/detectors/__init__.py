"""Detectors for `kb lint` and `kb ask` on code: one small module per situation, as the fix recipes are.

Every module in this package (except `_`-prefixed helpers) is a detector and defines:

    name: str                                   what corpus entries list in `detectors: [...]`
    check(code: Code) -> Iterable[Hit]          where this file shows the situation
    incidental: bool  (optional, default False) its hits are as often an artifact of pasting part of
                                                a file (trimmed imports) as the bug asked about, so
                                                `kb ask` answers any other finding of the code first

`code` is the user's file parsed once (assistant.codecheck._code.Code) and shared by every
detector; detectors only read it. A hit's message speaks of the user's own layers and values.
Which entries a hit is reported for is the corpus's decision: an entry names the detectors that
recognise its situation, so detectors never name entries.

Precision comes first: a detector fires only where the code shows the situation beyond doubt (a
name is followed through plain assignments in one function or class, and a name bound twice is
unknown). A detector that raises is a bug: it is logged on the `kb.codecheck` logger, gives no
hits, and the test suite fails on any such log record.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, wraps

from assistant.codecheck._code import Code


@dataclass(frozen=True)
class Hit:
    """Where a detector saw its situation: 1-based line and column, and what it saw."""

    line: int
    col: int
    message: str
    facts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def at(cls, code: Code, node: ast.AST, message: str, facts: Mapping[str, str] | None = None) -> Hit:
        """A hit at a node, its column counted in characters (ast counts UTF-8 bytes)."""
        line = code.lines[node.lineno - 1] if node.lineno <= len(code.lines) else ""
        col = len(line.encode("utf-8")[: node.col_offset].decode("utf-8", "replace")) + 1
        return cls(node.lineno, col, message, dict(facts or {}))


@dataclass(frozen=True)
class Detector:
    name: str
    check: Callable[[Code], Iterable[Hit]]
    incidental: bool = False


@cache
def registry() -> dict[str, Detector]:
    """Every detector in this package by its `name`."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found[module.name] = Detector(module.name, module.check, getattr(module, "incidental", False))
    return found


def run_detector(detector: Detector, code: Code) -> list[Hit]:
    """One detector's hits; one that raises is logged and gives none, so that a broken detector
    cannot hide the findings of the others."""
    try:
        return list(detector.check(code))
    except Exception:  # noqa: BLE001 - logged, and fatal under test
        import logging  # only here: a lint run that raises nothing never pays for importing logging

        logging.getLogger("kb.codecheck").exception("detector %s raised", detector.name)
        return []


Check = Callable[[Code], Iterable[Hit]]


def precondition(holds: Callable[[Code], bool]) -> Callable[[Check], Check]:
    """A detector that only runs on code where `holds(code)`; cheap tests of the whole file let most
    files skip most detectors without walking the tree again."""
    def decorate(check: Check) -> Check:
        @wraps(check)
        def checked(code: Code) -> Iterable[Hit]:
            return check(code) if holds(code) else ()
        return checked
    return decorate


def needs_calls(*kinds: str) -> Callable[[Check], Check]:
    """Precondition: the code calls one of these (by the last part of the name: `softmax`, `Linear`)."""
    return precondition(lambda code: not code.call_kinds.isdisjoint(kinds))


def needs_attributes(*attributes: str) -> Callable[[Check], Check]:
    """Precondition: the code mentions one of these attributes (`data`, `numpy`)."""
    return precondition(lambda code: not code.attributes.isdisjoint(attributes))
