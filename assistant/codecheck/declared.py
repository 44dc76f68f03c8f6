"""Which detectors each shipped corpus entry declares, read from the entries' front matter.

Only the few lines that matter here are read (`id:`, `title:`, `detectors:`, `recipes:`, each with
YAML, one line at a time), and only for the entries that have a `detectors:` line: `kb lint` pays
for this on every run, and it must stay as fast as pyflakes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*$", re.S | re.M)
_KEY_LINE = re.compile(r"^(id|title|detectors|recipes):.*$", re.M)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DeclarationError(ValueError):
    """An entry's `detectors:` line is not a list of names; the message is one line."""


@dataclass(frozen=True)
class Declaration:
    """What lint needs of an entry that declares detectors."""

    id: str
    title: str
    detectors: tuple[str, ...]
    recipes: tuple[str, ...]


@cache
def declarations(corpus: Path | None = None) -> dict[str, Declaration]:
    """The entries (of `corpus`, default the shipped one) that declare detectors, by id."""
    if corpus is None:
        from kb.ingest import shipped_corpus_dir  # the one place that knows where the corpus is

        corpus = shipped_corpus_dir()
    found = {}
    for path in sorted(corpus.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if "\ndetectors:" in text and (declaration := entry_declaration(text, path.stem)).detectors:
            found[declaration.id] = declaration
    return found


def declared_detectors(corpus: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Detector names by entry id, for check_source."""
    return {entry_id: d.detectors for entry_id, d in declarations(corpus).items()}


def entry_declaration(text: str, fallback_id: str) -> Declaration:
    """One entry's declaration; an entry without the key declares no detectors."""
    front = _FRONT_MATTER.match(text)
    keys: dict[str, object] = {}
    for line in _KEY_LINE.finditer(front.group(1) if front else ""):
        try:
            keys.update(yaml.load(line.group(0), Loader=_LOADER) or {})
        except yaml.YAMLError:
            raise DeclarationError(f"{fallback_id}: cannot read the line {line.group(0)!r}") from None
    entry_id = str(keys.get("id") or fallback_id)
    return Declaration(entry_id, str(keys.get("title") or entry_id), _names(keys, "detectors", entry_id),
                       _names(keys, "recipes", entry_id))


def _names(keys: dict[str, object], key: str, entry_id: str) -> tuple[str, ...]:
    names = keys.get(key) or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DeclarationError(f"{entry_id}: '{key}' must be a list of names")
    return tuple(names)
