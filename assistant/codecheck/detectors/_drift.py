"""Removed torch and torchvision APIs in the user's code, from the table of kb/data/api_drift.yaml.

The table's removed rows are read with one regular expression over its one-line rows instead of a
YAML parser (kb lint must start as fast as pyflakes; a test checks that this reading equals
assistant.answering.api_drift's). Code is matched by the dotted names it spells once imports are
resolved (`F.x` under `import torch.nn.functional as F` is `torch.nn.functional.x`), by what it
imports, and for `callable(arg=)` rows by a call into the callable's module with that keyword.
Rows about a method of any tensor (`torch.Tensor.symeig`) are not matched: which object a method is
called on is not known without running the code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

import kb
from assistant.codecheck._code import Code

TABLE = Path(kb.__file__).resolve().parent / "data" / "api_drift.yaml"  # kb.corpus_vectors.DATA_DIR, without numpy
_ROW = re.compile(r'^- \{symbol: "?(?P<symbol>[^",]+)"?, kind: removed, version: "?(?P<version>[^",]+)"?, '
                  r'replacement: (?P<replacement>"[^"]*"|[^,}]+)', re.M)


@dataclass(frozen=True)
class Removed:
    symbol: str  # torch.rfft, or torch.optim.lr_scheduler.LRScheduler(verbose=)
    version: str
    replacement: str | None

    @cached_property
    def keyword(self) -> str | None:
        found = re.search(r"\((\w+)=\)$", self.symbol)
        return found[1] if found else None

    @property
    def module(self) -> str:
        """For a keyword row, the module whose callables take the removed keyword."""
        return self.symbol.split("(", 1)[0].rpartition(".")[0].rpartition(".")[0]


_ADDED_ROW = re.compile(r'^- \{symbol: "?(?P<symbol>torch\.[\w.]+)"?, kind: added, version: "?(?P<version>[\d.]+)"?,', re.M)


@cache
def added_rows(table: Path = TABLE) -> dict[str, tuple[int, ...]]:
    """The torch names the table says were added, with the first release that has them (`torch.compile`:
    (2, 0)); torchvision's rows and keyword rows are left out."""
    return {row["symbol"]: release(row["version"]) for row in _ADDED_ROW.finditer(table.read_text(encoding="utf-8"))}


def release(version: str) -> tuple[int, ...]:
    """`2.0` as (2, 0), `1.12.1+cu113` as (1, 12, 1): comparable releases."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


@cache
def removed_rows(table: Path = TABLE) -> tuple[Removed, ...]:
    rows = []
    for row in _ROW.finditer(table.read_text(encoding="utf-8")):
        replacement = row["replacement"].strip().strip('"')
        rows.append(Removed(row["symbol"], row["version"], None if replacement == "null" else replacement))
    return tuple(rows)


@dataclass(frozen=True)
class Use:
    node: ast.AST
    row: Removed


def removed_uses(code: Code, wanted: Callable[[Removed], bool]) -> Iterator[Use]:
    """Where the code uses a removed API of the rows that `wanted` keeps."""
    if not _imports_torch(code):
        return
    rows = [row for row in removed_rows() if wanted(row) and not row.symbol.startswith("torch.Tensor.")
            and "[" not in row.symbol]
    plain = {row.symbol: row for row in rows if row.keyword is None}
    keyword_rows = [row for row in rows if row.keyword is not None]
    for node, symbols in _spelled_names(code):
        if (row := next((plain[s] for s in symbols if s in plain), None)) is not None:
            yield Use(node, row)
    by_keyword = _calls_by_keyword(code) if keyword_rows else {}
    given = {index: call for row in keyword_rows for index, call in by_keyword.get(row.keyword, ())}  # type: ignore[arg-type]
    for _, call in sorted(given.items()):
        callee = code.resolved(call.func) or ""
        for row in keyword_rows:
            if callee.startswith(row.module + ".") and any(k.arg == row.keyword for k in call.keywords):
                yield Use(call, row)


@lru_cache(maxsize=2)  # the detectors of one file ask in turn
def _spelled_names(code: Code) -> tuple[tuple[ast.AST, tuple[str, ...]], ...]:
    """Each import and outermost attribute chain of the file with the full names it spells."""
    last_names = {row.symbol.rpartition(".")[2] for row in removed_rows()}
    found = []
    for node in code.nodes_of(ast.Import, ast.ImportFrom, ast.Attribute):
        if isinstance(node, ast.Attribute) and (node.attr not in last_names or isinstance(code.parents.get(node), ast.Attribute)):
            continue  # no removed API ends so; or `torch.nn` inside `torch.nn.functional.x`
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Attribute)) and (symbols := tuple(_spelled(code, node))):
            found.append((node, symbols))
    return tuple(found)


def _calls_by_keyword(code: Code) -> dict[str, list[tuple[int, ast.Call]]]:
    """The calls (with their place in code.calls) that pass each keyword, sorted out once per file."""
    if "calls by keyword" not in code.memo:
        found: dict[str, list[tuple[int, ast.Call]]] = {}
        for index, call in enumerate(code.calls):
            for passed in call.keywords:
                if passed.arg is not None:
                    found.setdefault(passed.arg, []).append((index, call))
        code.memo["calls by keyword"] = found
    return code.memo["calls by keyword"]  # type: ignore[return-value]


def _imports_torch(code: Code) -> bool:
    return any(name.split(".")[0] in ("torch", "torchvision") for name in code.imported.values())


def _spelled(code: Code, node: ast.AST) -> Iterator[str]:
    """The full dotted names a node spells, most specific first: an import's names, then its
    module; or an attribute chain resolved through the imports."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        yield from (f"{node.module}.{alias.name}" for alias in node.names)
        yield node.module
    elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
        if (resolved := code.resolved(node)) is not None:
            yield resolved


def use_message(row: Removed) -> str:
    instead = f"; use {row.replacement} instead" if row.replacement else ""
    where = "torchvision" if row.symbol.startswith("torchvision") else "torch"
    version = row.version.removeprefix("torchvision ")
    subject = f"the {row.keyword}= argument of {row.symbol.split('(')[0]}" if row.keyword else row.symbol
    return f"{subject} was removed in {where} {version}{instead}"
