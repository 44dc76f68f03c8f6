"""API drift: errors and warnings that say a torch API is gone, renamed, deprecated or too new.

The corpus entries (torch-six-removed, torch-removed-api-old-code, torch-api-missing-too-old, ...)
explain the family; the table in kb/data/api_drift.yaml holds the specifics of each symbol: the
release of the change and what to call instead. This module reads the symbol out of an
`ErrorReport` and returns its rows, so an answer can name the replacement (or the release that
added the API, beside the torch installed here) instead of a generic "port your code".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Any, Literal

import yaml
from kb.corpus_vectors import DATA_DIR

from assistant.answering.error_model import ErrorReport
from assistant.answering.query import ParsedQuery

Kind = Literal["removed", "renamed", "deprecated", "added"]
TABLE = DATA_DIR / "api_drift.yaml"

# Messages that name one missing symbol: (pattern, how its groups spell the dotted name).
_MISSING = (
    (re.compile(r"module '(?P<module>[\w.]+)' has no attribute '(?P<name>\w+)'"), "{module}.{name}"),
    (re.compile(r"'Tensor' object has no attribute '(?P<name>\w+)'"), "torch.Tensor.{name}"),
    (re.compile(r"cannot import name '(?P<name>\w+)' from '(?P<module>[\w.]+)'"), "{module}.{name}"),
    (re.compile(r"No module named '(?P<module>[\w.]+)'"), "{module}"),
)
_UNEXPECTED_KEYWORD = re.compile(r"unexpected keyword argument '(?P<argument>\w+)'")
_FROM_IMPORT = re.compile(r"\bfrom ((?:torch|torchvision)[\w.]*) import (\w+)")
_DOTTED = re.compile(r"\b(?:torch|nn|F|functorch|torchvision)(?:\.\w+)+")
_SHORT_FORMS = (("F.", "torch.nn.functional."), ("nn.", "torch.nn."))
_DEPRECATION_WORDS = re.compile(r"deprecated|removed|renamed|no longer|upcoming release|will be required", re.I)


@dataclass(frozen=True)
class ApiChange:
    """One row of the table: what happened to `symbol` in which release, and what to use instead."""

    symbol: str
    kind: Kind
    version: str
    replacement: str | None
    note: str = ""
    mechanical: bool = False  # the replacement takes the same arguments: `kb fix` may rewrite the call
    first_arg: str | None = None  # a leading argument the rewritten call needs ("'cuda'")
    importable: bool = True  # the replacement (or an added symbol) is importable beside torch

    @property
    def argument(self) -> str | None:
        """For a keyword-argument row (`torch.load(weights_only=)`), the argument's name."""
        found = re.search(r"\((\w+)=", self.symbol)
        return found[1] if found else None

    def to_json(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "kind": self.kind, "version": self.version,
                "replacement": self.replacement, "note": self.note, "mechanical": self.mechanical,
                "installed_torch": installed_torch(), "installed_has_it": self.installed_has_it}

    @property
    def installed_has_it(self) -> bool | None:
        """For an added API: whether the torch beside kb has it (then the code that missed it ran with
        another, older torch, and that one is to upgrade). None for other rows or without torch."""
        installed = installed_torch()
        if self.kind != "added" or installed is None:
            return None
        return release_at_least(installed, self.version)


@cache
def table() -> tuple[ApiChange, ...]:
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["rows"]
    return tuple(ApiChange(**row) for row in rows)


@cache
def by_symbol() -> dict[str, ApiChange]:
    return {change.symbol: change for change in table()}


def release_at_least(installed: str, version: str) -> bool:
    """Whether release `installed` ("2.13.0+cpu") is `version` ("2.4") or later: then an API added in
    `version` exists beside kb, and code that missed it ran with another, older torch."""
    def numbers(release: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", release.split("+")[0])[:3])
    return numbers(installed) >= numbers(version)


@cache
def installed_torch() -> str | None:
    """The torch release beside kb (the one an added API is compared with), None without torch."""
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def changes_for(error: ErrorReport | None) -> tuple[ApiChange, ...]:
    """The table's rows for the symbol this error or warning is about, most specific first;
    empty when the message names no symbol the table knows."""
    if error is None:
        return ()
    message = error.message
    if (missing := _missing_symbol(message)) is not None:
        return _rows_at_or_above(missing)
    if found := _UNEXPECTED_KEYWORD.search(message):
        return _keyword_rows(found["argument"])
    if _DEPRECATION_WORDS.search(message):
        return _mentioned(message) or _mentioned(_failing_code(error))
    return ()


def changes_for_query(query: ParsedQuery) -> tuple[ApiChange, ...]:
    """The rows for a query's error; for a question or code without one, the rows of the changed
    APIs it names by their dotted name ("is torch.cuda.amp.autocast still how mixed precision is
    done?"). An API that was only added is no news in a question."""
    return changes_for(query.error) if query.error is not None else _mentioned(query.text, by_argument=False)


def _missing_symbol(message: str) -> str | None:
    for pattern, spelling in _MISSING:
        if found := pattern.search(message):
            return spelling.format(**found.groupdict())
    return None


def _rows_at_or_above(symbol: str) -> tuple[ApiChange, ...]:
    """The row of the symbol, else of the nearest removed or renamed module above it
    (`torch._six.string_classes` falls back to `torch._six`)."""
    rows = by_symbol()
    if symbol in rows:
        return (rows[symbol],)
    parts = symbol.split(".")
    for end in range(len(parts) - 1, 1, -1):
        change = rows.get(".".join(parts[:end]))
        if change is not None and change.kind in ("removed", "renamed"):
            return (change,)
    return ()


def _failing_code(error: ErrorReport) -> str:
    """The user's failing line: a removal message may name only the replacement, the line the old API."""
    frame = error.user_frame
    return frame.code if frame is not None else ""


def _keyword_rows(argument: str) -> tuple[ApiChange, ...]:
    """Rows of a keyword the installed callable rejects: added later (the torch is too old) first,
    then removed or deprecated (the code is too old)."""
    rows = [change for change in table() if change.argument == argument]
    return tuple(sorted(rows, key=lambda change: change.kind != "added"))


def _keyword_rows_of(callable_name: str, message: str) -> tuple[ApiChange, ...]:
    """Rows about an argument of this callable that the message names too: `torch.meshgrid` and
    "indexing" give `torch.meshgrid(indexing=)`."""
    return tuple(change for change in table() if change.argument and change.symbol.startswith(callable_name + "(")
                 and re.search(rf"\b{change.argument}\b", message))


def _mentioned(message: str, *, by_argument: bool = True) -> tuple[ApiChange, ...]:
    """Rows of the changed (not added) APIs a deprecation or removal message names, in the order it
    names them; a message that names the old API and its replacement gives the old API's row."""
    rows = by_symbol()
    found: dict[str, ApiChange] = {}
    imported = [f"{module}.{name}" for module, name in _FROM_IMPORT.findall(message)]
    for token in [*imported, *_DOTTED.findall(message)]:
        symbol = _expanded(token)
        for change in (rows.get(symbol), *_keyword_rows_of(symbol, message)):
            if change is not None and change.kind != "added":
                found.setdefault(change.symbol, change)
    if found or not by_argument:
        return tuple(found.values())
    return tuple(change for change in table() if change.argument and change.kind != "added"
                 and re.search(rf"\b{change.argument}\b", message))


def _expanded(token: str) -> str:
    for short, full in _SHORT_FORMS:
        if token.startswith(short):
            return full + token[len(short):]
    return token
