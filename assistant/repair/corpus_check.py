"""Prove every corpus entry against the installed torch: the broken example must fail exactly as
the entry says, and the fixed example must run clean.

Torch rewords its messages between releases; without this check an entry's patterns would
silently stop matching what users paste. Examples run in the sandbox like any other code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from kb.documents import Document, code_of

from assistant.sandbox import SandboxLimits, SandboxResult, WarmSandbox

REQUIRED_SECTIONS = ("Symptom", "Cause", "Fix", "Pitfalls", "Broken example", "Fixed example")
EXAMPLE_LIMITS = SandboxLimits(timeout_s=120.0, cpu_s=120)

Status = Literal["ok", "failed", "skipped"]
Runner = Callable[[str], SandboxResult]


@dataclass(frozen=True)
class EntryCheck:
    id: str
    status: Status
    reason: str
    observed: str = ""  # what the broken example raised or warned, as "Type: message"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "reason": self.reason}


def example(document: Document, section: str) -> str | None:
    found = document.section(section)
    blocks = [block for block in found.blocks if block.is_code] if found else []
    return code_of(blocks[0]) if blocks else None


def check_entry(document: Document, run: Runner, cuda_available: bool = False) -> EntryCheck:
    meta = document.meta
    missing = [name for name in REQUIRED_SECTIONS if document.section(name) is None]
    broken, fixed = example(document, "Broken example"), example(document, "Fixed example")
    if missing or broken is None or fixed is None:
        return EntryCheck(document.doc_id, "failed", "missing " + ", ".join(missing or ["example code"]))
    if meta.get("runs_on") == "cuda" and not cuda_available:
        return EntryCheck(document.doc_id, "skipped", "needs a CUDA GPU; none here")
    before, after = run(broken), run(fixed)
    observed = _observed(document, before)
    problem = _broken_problem(document, before) or _fixed_problem(document, after)
    if problem:
        return EntryCheck(document.doc_id, "failed", problem, observed)
    return EntryCheck(document.doc_id, "ok", f"broken: {observed or 'ran, as a demonstration'}", observed)


def check_corpus(documents: Iterable[Document], run: Runner | None = None, workers: int = 2) -> list[EntryCheck]:
    """Check entries in parallel; by default in a warm sandbox, since every example imports torch."""
    if run is not None:
        return _check_all(documents, run, workers)
    with WarmSandbox() as sandbox:
        return _check_all(documents, lambda s: sandbox.run_source(s, filename="example.py", limits=EXAMPLE_LIMITS), workers)


def _check_all(documents: Iterable[Document], run: Runner, workers: int) -> list[EntryCheck]:
    cuda = _cuda_available(run)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda document: check_entry(document, run, cuda), documents))


def _observed(document: Document, result: SandboxResult) -> str:
    if document.meta.get("kind") == "warning":
        wanted = document.meta.get("exception")
        found = [f"{category}: {message}" for category, message in result.warnings if category == wanted]
        return found[0] if found else ""
    return f"{result.error.type}: {result.error.message}" if result.error else ""


def _broken_problem(document: Document, result: SandboxResult) -> str:
    kind, wanted = document.meta.get("kind"), document.meta.get("exception")
    if result.status in ("timeout", "limit"):
        return f"broken example stopped: {result.detail}"
    if kind == "demonstration":
        return f"demonstration raised {_describe(result)}" if result.error else ""
    if kind == "warning":
        if not any(category == wanted and _matches(document, message) for category, message in result.warnings):
            return f"broken example did not warn as documented ({_describe(result)})"
        return ""
    if result.error is None:
        return "broken example ran without error"
    if result.error.type.rsplit(".", 1)[-1] != wanted:
        return f"broken example raised {result.error.type}, entry says {wanted}: {result.error.message[:200]}"
    if not _matches(document, result.error.message):
        return f"no pattern matches the message: {result.error.message[:200]}"
    return ""


def _fixed_problem(document: Document, result: SandboxResult) -> str:
    if result.status != "ok":
        return f"fixed example failed: {_describe(result)}"
    if document.meta.get("kind") == "warning":
        wanted = document.meta.get("exception")
        if any(category == wanted and _matches(document, message) for category, message in result.warnings):
            return "fixed example still emits the warning"
    return ""


def _matches(document: Document, message: str) -> bool:
    return any(pattern.match(message) for pattern in document.patterns)


def _describe(result: SandboxResult) -> str:
    if result.error:
        return f"{result.error.type}: {result.error.message[:200]}"
    return result.detail or result.status


def _cuda_available(run: Runner) -> bool:
    probe = run("import torch, sys\nsys.exit(0 if torch.cuda.is_available() else 3)")
    return probe.status == "ok"
