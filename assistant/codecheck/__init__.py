"""Code checks declared by corpus entries: `kb lint`, and the first step of `kb ask` on pasted code.

An entry that can recognise its situation in code without running it names detectors in its front
matter (`detectors: [softmax-without-dim]`), as it names fix recipes. A detector
(assistant/codecheck/detectors/, one module each) looks at the file's syntax tree, parsed once and
shared by all of them, and yields a `Hit` where the code shows the situation; `check_source` turns
each hit into a `Finding` for every entry that declares the detector.

Nothing on this path imports torch: linting a file must cost what pyflakes costs, not what loading
torch costs. Detectors fire only when the code really shows the situation; when unsure, they stay
silent (correct code must give at most one finding per 1,000 lines).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from assistant.codecheck._code import Code
from assistant.codecheck.declared import declared_detectors
from assistant.codecheck.detectors import registry, run_detector

__all__ = ["Finding", "check_source"]


@dataclass(frozen=True)
class Finding:
    """One place where the code shows an entry's situation."""

    line: int  # 1-based
    col: int  # 1-based
    entry_id: str  # the corpus entry whose `detectors:` names the detector
    message: str  # in the user's terms, naming their layers and values
    facts: Mapping[str, str] = field(default_factory=dict)  # values for the entry's placeholders where known
    incidental: bool = False  # its detector's hits are often an artifact of a partial paste (detectors/__init__)


def check_source(source: str, *, entries: Mapping[str, Sequence[str]] | None = None) -> list[Finding]:
    """The findings of the entries' detectors on `source`, in the order of the file.

    `entries` maps entry ids to the detector names they declare; None takes those declared by the
    shipped corpus. Raises SyntaxError for code that does not parse (callers make it one line).
    """
    by_detector: dict[str, list[str]] = {}
    for entry_id, names in (declared_detectors() if entries is None else entries).items():
        for name in dict.fromkeys(names):
            by_detector.setdefault(name, []).append(entry_id)
    detectors = registry()
    with _collector_paused():
        code = Code(source)
        findings = [
            Finding(hit.line, hit.col, entry_id, hit.message, dict(hit.facts), detectors[name].incidental)
            for name, entry_ids in by_detector.items() if name in detectors
            for hit in run_detector(detectors[name], code)
            for entry_id in entry_ids
        ]
    return sorted(findings, key=lambda f: (f.line, f.col, f.entry_id))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the detectors run, as it was after. The syntax tree and its
    indexes are tens of thousands of objects without cycles, freed by reference counting; the
    collector's passes over them found nothing and took 20-120 ms of a 2,000-line file's 300 ms
    (gc.callbacks, benchmarks/lint_speed.py's joined file). Garbage in cycles waits for the next pass."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

