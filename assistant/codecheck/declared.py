"""Which detectors each shipped corpus entry declares, read from the entries' front matter.

Only the `id:` and `detectors:` lines are read (with YAML, one line at a time), not the whole
documents: `kb lint` pays for this on every run, and it must stay as fast as pyflakes.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*$", re.S | re.M)
_KEY_LINE = re.compile(r"^(id|detectors):.*$", re.M)


class DeclarationError(ValueError):
    """An entry's `detectors:` line is not a list of names; the message is one line."""


@cache
def declared_detectors(corpus: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Detector names by entry id, for the entries (of `corpus`, default the shipped one) that declare any."""
    if corpus is None:
        from kb.ingest import shipped_corpus_dir  # the one place that knows where the corpus is

        corpus = shipped_corpus_dir()
    declared = {}
    for path in sorted(corpus.glob("*.md")):
        entry_id, names = entry_detectors(path.read_text(encoding="utf-8"), path.stem)
        if names:
            declared[entry_id] = names
    return declared


def entry_detectors(text: str, fallback_id: str) -> tuple[str, tuple[str, ...]]:
    """(id, detector names) of one entry's text; an entry without the key declares none."""
    front = _FRONT_MATTER.match(text)
    keys = {}
    for line in _KEY_LINE.finditer(front.group(1) if front else ""):
        keys.update(yaml.safe_load(line.group(0)) or {})
    names = keys.get("detectors") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DeclarationError(f"{fallback_id}: 'detectors' must be a list of detector names")
    return str(keys.get("id") or fallback_id), tuple(names)
