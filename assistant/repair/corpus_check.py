"""Prove every corpus entry against the installed torch: the broken example must fail exactly as
the entry says, and the fixed example must run clean.

Torch rewords its messages between releases; without this check an entry's patterns would
silently stop matching what users paste. Examples run in the sandbox like any other code.

Entries that no code can reproduce (`runs_on: none`: drivers, wheels, other versions, third-party
packages) are proven differently: their patterns must match the real messages the entry lists, and
their diagnostic snippet must run anywhere. Entries for hardware this machine lacks (`cuda`,
`mps`) are reported skipped, with the reason, so that the same corpus is proven where the device
exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from kb.documents import Document, code_of

from assistant.environment import versions

from assistant.sandbox import SandboxLimits, SandboxResult, WarmSandbox, run_source

DEVICES = {"cuda": "a CUDA GPU", "mps": "an Apple MPS device"}
RUNS_ON = ("cpu", "multi-process-cpu", *DEVICES, "none")
KINDS = ("error", "warning", "demonstration")
PROSE_SECTIONS = ("Symptom", "Cause", "Fix", "Pitfalls")
EXAMPLE_SECTIONS = (*PROSE_SECTIONS, "Broken example", "Fixed example")
DIAGNOSIS_SECTIONS = (*PROSE_SECTIONS, "Diagnose")

# Examples are ours, not users' code; they get the loopback (127.0.0.1 only, the host stays out)
# because process groups use it even with one process: a TCPStore, and NCCL's bootstrap.
EXAMPLE_LIMITS = SandboxLimits(timeout_s=120.0, cpu_s=120, loopback=True)
# DataLoader workers, spawned interpreters (each imports torch) and gloo process groups.
MULTI_PROCESS_LIMITS = SandboxLimits(timeout_s=240.0, cpu_s=480, memory_mb=8192, max_processes=256, loopback=True)
DIAGNOSE_LIMITS = SandboxLimits(timeout_s=60.0, cpu_s=60)

Status = Literal["ok", "failed", "skipped"]
Runner = Callable[[str, SandboxLimits], SandboxResult]


@dataclass(frozen=True)
class EntryCheck:
    id: str
    status: Status
    reason: str
    observed: str = ""  # what the broken example raised or warned, as "Type: message"
    messages: tuple[str, ...] = ()  # the messages the entry's patterns were proven on

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "reason": self.reason}


def example(document: Document, section: str) -> str | None:
    """The first code block of a section, without its fences."""
    found = document.section(section)
    blocks = [block for block in found.blocks if block.is_code] if found else []
    return code_of(blocks[0]) if blocks else None


def listed_messages(document: Document) -> tuple[str, ...]:
    """The real messages of a `runs_on: none` entry: one per line of its `## Messages` code block."""
    block = example(document, "Messages")
    return tuple(line.strip() for line in (block or "").splitlines() if line.strip())


def required_sections(document: Document) -> tuple[str, ...]:
    if document.meta.get("runs_on") != "none":
        return EXAMPLE_SECTIONS
    return DIAGNOSIS_SECTIONS if document.meta.get("kind") == "demonstration" else (*DIAGNOSIS_SECTIONS, "Messages")


def check_entry(document: Document, run: Runner, devices: frozenset[str] = frozenset(),
                torch_version: str | None = None, fresh: Runner | None = None) -> EntryCheck:
    """Check one entry the way its `runs_on` allows; `devices` are the accelerators present and
    `torch_version` the torch the examples run with (an entry whose `torch` range excludes it is skipped).
    An entry with `fresh_interpreter: true` runs its examples with `fresh` (a new interpreter):
    what it shows happens while torch is first imported, which a warm worker has done already."""
    meta = document.meta
    if meta.get("runs_on") not in RUNS_ON or meta.get("kind") not in KINDS:
        return _failed(document, f"runs_on must be one of {', '.join(RUNS_ON)} and kind one of {', '.join(KINDS)}")
    missing = [name for name in required_sections(document) if not _present(document, name)]
    if missing:
        return _failed(document, "missing " + ", ".join(missing))
    if meta["runs_on"] == "none":
        return _check_diagnosis(document, run)
    if meta["runs_on"] in DEVICES and meta["runs_on"] not in devices:
        return EntryCheck(document.doc_id, "skipped", f"needs {DEVICES[meta['runs_on']]}; none here")
    version_problem = torch_range_problem(meta.get("torch"), torch_version)
    if version_problem:
        status: Status = "failed" if version_problem.startswith("torch:") else "skipped"
        return EntryCheck(document.doc_id, status, version_problem)
    limits = MULTI_PROCESS_LIMITS if meta["runs_on"] == "multi-process-cpu" else EXAMPLE_LIMITS
    if meta.get("fresh_interpreter"):
        run = fresh or run
    before, after = run(example(document, "Broken example"), limits), run(example(document, "Fixed example"), limits)
    observed = _observed(document, before)
    problem = _broken_problem(document, before) or _fixed_problem(document, after)
    messages = (observed.split(": ", 1)[-1],) if observed else ()
    if problem:
        return EntryCheck(document.doc_id, "failed", problem, observed, messages)
    return EntryCheck(document.doc_id, "ok", f"broken: {observed or 'ran, as a demonstration'}", observed, messages)


def check_corpus(documents: Iterable[Document], run: Runner | None = None, workers: int = 2,
                 python: str | None = None) -> list[EntryCheck]:
    """Check entries in parallel; by default in a warm sandbox, since every example imports torch.

    `python` is the interpreter whose torch the corpus is proven against (the user's); None means kb's own.
    """
    if run is not None:
        return _check_all(documents, run, workers, run)

    def cold(source: str, limits: SandboxLimits) -> SandboxResult:
        return run_source(source, filename="example.py", limits=limits, python=python)

    with WarmSandbox(python=python) as sandbox:
        warm: Runner = lambda source, limits: sandbox.run_source(source, filename="example.py", limits=limits)  # noqa: E731
        return _check_all(documents, warm, workers, cold)


def _check_all(documents: Iterable[Document], run: Runner, workers: int, fresh: Runner) -> list[EntryCheck]:
    devices = _devices_present(run)
    torch_version = run("pass\n", DIAGNOSE_LIMITS).interpreter.get("torch")  # from its metadata: no import
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda document: check_entry(document, run, devices, torch_version, fresh), documents))


def torch_range_problem(bounds: object, torch_version: str | None) -> str:
    """Why an entry's examples are not run with this torch: its `torch` range (">=2.4") excludes it, or
    the range is malformed ("torch: ..."); "" when they run (no range, or the version is unknown)."""
    if bounds is None:
        return ""
    release = versions.parse(torch_version)
    try:
        applies = versions.within(release or versions.Release(0, 0), str(bounds)) or release is None
    except ValueError as error:
        return f"torch: {error}"
    return "" if applies else f"applies to torch {bounds}; the examples would run with torch {torch_version}"


def _check_diagnosis(document: Document, run: Runner) -> EntryCheck:
    messages = listed_messages(document)
    problem = _messages_problem(document, messages)
    if problem:
        return EntryCheck(document.doc_id, "failed", problem, messages=messages)
    result = run(example(document, "Diagnose"), DIAGNOSE_LIMITS)
    if result.status != "ok":
        return EntryCheck(document.doc_id, "failed", f"diagnose snippet failed: {_describe(result)}", messages=messages)
    if not result.stdout.strip():
        return EntryCheck(document.doc_id, "failed", "diagnose snippet printed nothing", messages=messages)
    proven = f"{len(messages)} listed messages match" if messages else "no message (a situation without an error)"
    return EntryCheck(document.doc_id, "ok", f"diagnosed: {proven}; the snippet ran", messages=messages)


def _messages_problem(document: Document, messages: tuple[str, ...]) -> str:
    """Every listed message must be explained by a pattern, and every pattern proven by a message."""
    if document.meta.get("kind") == "demonstration":
        return "a situation without an error has no patterns" if document.patterns else ""
    if not messages or not document.patterns:
        return "an entry that cannot run needs both errors patterns and a ## Messages list"
    unmatched = [message for message in messages if not _matches(document, message)]
    if unmatched:
        return f"no pattern matches the listed message: {unmatched[0][:200]}"
    unproven = [p.text for p in document.patterns if not any(p.match(message) for message in messages)]
    if unproven:
        return f"pattern matches none of the listed messages: {unproven[0][:200]}"
    return ""


def _observed(document: Document, result: SandboxResult) -> str:
    if document.meta.get("kind") == "warning":
        wanted = document.meta.get("exception")
        found = [f"{category}: {message}" for category, message, _ in result.warnings if category == wanted]
        return found[0] if found else ""
    return f"{result.error.type}: {result.error.message}" if result.error else ""


def _broken_problem(document: Document, result: SandboxResult) -> str:
    kind, wanted = document.meta.get("kind"), document.meta.get("exception")
    if result.status in ("timeout", "limit"):
        return f"broken example stopped: {result.detail}"
    if kind == "demonstration":
        return f"demonstration raised {_describe(result)}" if result.error else ""
    if kind == "warning":
        if not any(category == wanted and _matches(document, message) for category, message, _ in result.warnings):
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
        if any(category == wanted and _matches(document, message) for category, message, _ in result.warnings):
            return "fixed example still emits the warning"
    return ""


def _present(document: Document, name: str) -> bool:
    """Prose sections need only exist; the others are read for their code block."""
    return document.section(name) is not None if name in PROSE_SECTIONS else example(document, name) is not None


def _failed(document: Document, reason: str) -> EntryCheck:
    return EntryCheck(document.doc_id, "failed", reason)


def _matches(document: Document, message: str) -> bool:
    return any(pattern.match(message) for pattern in document.patterns)


def _describe(result: SandboxResult) -> str:
    if result.error:
        return f"{result.error.type}: {result.error.message[:200]}"
    return result.detail or result.status


_DEVICE_PROBE = """
import json, torch
print(json.dumps({"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}))
"""


def _devices_present(run: Runner) -> frozenset[str]:
    """The accelerators the examples would see; probed in the sandbox, where they run."""
    probe = run(_DEVICE_PROBE, EXAMPLE_LIMITS)
    try:
        found = json.loads(probe.stdout.strip().splitlines()[-1]) if probe.status == "ok" else {}
    except (IndexError, ValueError):
        found = {}
    return frozenset(name for name in DEVICES if found.get(name) is True)
