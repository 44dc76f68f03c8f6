"""Which detectors each shipped corpus entry declares, read from the entries' front matter.

Only the few lines that matter here are read (`id:`, `title:`, `detectors:`, `recipes:`), and only
for the entries that have a `detectors:` line: `kb lint` pays for this on every run, and it must
stay as fast as pyflakes, which importing a YAML parser alone would not be. These lines use a small
part of YAML (a plain or quoted scalar, a flow list of names); a test checks that what is read here
is what YAML reads in every shipped entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import kb

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*$", re.S | re.M)
_KEY_LINE = re.compile(r"^(id|title|detectors|recipes):[ \t]*(.*?)[ \t]*$", re.M)
_COMMENT = re.compile(r"(?:^|[ \t]+)#.*$")
_NAME_LIST = re.compile(r"\[\s*((?:[\w.-]+\s*,\s*)*[\w.-]+)?\s*,?\s*\]")


def shipped_corpus_dir() -> Path:
    """kb.ingest.shipped_corpus_dir's answer (a test holds them equal) without importing kb.ingest,
    which loads the index store and the embedder modules: a third of kb lint's start-up."""
    package = Path(kb.__file__).resolve().parent
    return package / "corpus" if (package / "corpus").is_dir() else package.parent / "corpus"


class DeclarationError(ValueError):
    """An entry's `detectors:` line is not a list of names; the message is one line."""


@dataclass(frozen=True)
class Declaration:
    """What lint needs of an entry that declares detectors."""

    id: str
    title: str
    detectors: tuple[str, ...]
    recipes: tuple[str, ...]


def declarations(corpus: Path | None = None) -> dict[str, Declaration]:
    """The entries (of `corpus`, default the shipped one) that declare detectors, by id."""
    return _declarations(shipped_corpus_dir() if corpus is None else corpus)


@cache
def _declarations(corpus: Path) -> dict[str, Declaration]:
    """Cached by the directory itself, so that `kb lint`'s titles (declarations()) and check_source's
    detectors (declarations(None)) read the corpus once, not once per spelling of the default."""
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
    keys = {line.group(1): line.group(2) for line in _KEY_LINE.finditer(front.group(1) if front else "")}
    entry_id = _scalar(keys.get("id", "")) or fallback_id
    return Declaration(entry_id, _scalar(keys.get("title", "")) or entry_id, _names(keys, "detectors", entry_id),
                       _names(keys, "recipes", entry_id))


def _names(keys: dict[str, str], key: str, entry_id: str) -> tuple[str, ...]:
    """A flow list of names, `[a, b-c]`; an absent key or an empty value is no names."""
    text = _COMMENT.sub("", keys.get(key, ""))
    if text in ("", "[]", "null", "~"):
        return ()
    if not (listed := _NAME_LIST.fullmatch(text)):
        raise DeclarationError(f"{entry_id}: '{key}' must be a list of names, written [name, ...]")
    return tuple(name.strip() for name in (listed.group(1) or "").split(","))


def _scalar(text: str) -> str:
    """A one-line YAML scalar: "double quoted" (JSON's escapes), 'single quoted', or plain."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return json.loads(text)
        except ValueError:
            return text[1:-1]
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return _COMMENT.sub("", text)
