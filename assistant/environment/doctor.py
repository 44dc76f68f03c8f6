"""`kb doctor`: inspect the interpreter that runs the user's code, and say what is wrong with it.

Environment problems (a torchvision from another release, NumPy 2 under an old torch, a wheel
without kernels for this GPU) are decided by facts that only that interpreter can give, so the
probe (probe_script.py) runs there, in the sandbox like any other code: importing a package runs
its code. What the sandbox hides (/dev/shm, the GPUs, the driver) is read on this side (host.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.environment import checks
from assistant.environment.entries import entries_matching
from assistant.environment.host import read_host
from assistant.environment.interpreter import Interpreter
from assistant.environment.missing import missing_package
from assistant.environment.report import DoctorReport
from assistant.sandbox import SandboxLimits, SandboxResult, run_source

PROBE = Path(__file__).with_name("probe_script.py")
PROBE_LIMITS = SandboxLimits(timeout_s=120.0, cpu_s=120)  # importing torch, torchvision and torchaudio cold
Runner = Callable[[str, str, str], SandboxResult]  # (source, python, stdin) -> result
DOCTOR_ENTRIES = frozenset(checks.ENTRIES)  # an answer naming one of these is about the environment


def run_doctor(interpreter: Interpreter, error_text: str | None = None, run: Runner | None = None) -> DoctorReport:
    """Probe the interpreter in the sandbox, read the machine, and turn both into findings."""
    started = time.monotonic()
    run = run or _sandboxed
    host = read_host()
    missing = missing_package_in(error_text) if error_text else None
    result = run(PROBE.read_text(encoding="utf-8"), interpreter.python, json.dumps([missing] if missing else []))
    facts, failure = _facts_of(result)
    found = checks.findings(facts, host, interpreter.python) if facts else []
    named = {finding.entry for finding in found if finding.entry}
    matched = tuple(sorted(entries_matching(error_text, named))) if error_text else ()  # which explain it
    return DoctorReport(interpreter, facts, host, tuple(found), matched, failure, time.monotonic() - started)


def ran_with(python: str) -> dict[str, str | None]:
    """Which interpreter, Python and torch a run of code gets there: {python, version, torch}."""
    return dict(_sandboxed("pass\n", python).interpreter)  # torch from its metadata: no import needed


def missing_package_in(error_text: str) -> str | None:
    """The package a pasted "No module named 'x'" error says is missing, if that is what it says."""
    from assistant.answering.query import parse_query

    raised = parse_query(error_text).raised
    return missing_package(raised.type, raised.message) if raised is not None else None


def _sandboxed(source: str, python: str, stdin: str = "") -> SandboxResult:
    return run_source(source, filename="kb_doctor_probe.py", limits=PROBE_LIMITS, stdin=stdin, python=python)


def _facts_of(result: SandboxResult) -> tuple[dict[str, Any] | None, str]:
    """The probe's facts, or None and why; its output came through the user's interpreter, so it is checked."""
    if result.status != "ok":
        why = f"{result.error.type}: {result.error.message}" if result.error else (result.detail or result.status)
        return None, f"the probe did not run there: {why}"
    lines = result.stdout.strip().splitlines()
    try:
        facts = json.loads(lines[-1]) if lines else None
    except ValueError:
        facts = None
    if not _shaped(facts, _FACTS):
        return None, "the probe's output could not be read (something in that interpreter printed over it)"
    return facts, ""


_TEXT = (str, type(None))
_ERROR = ({"type": str, "message": str}, type(None))
_PACKAGE = {"version": _TEXT, "installed": _TEXT, "error": _ERROR, "warnings": [str]}
_FACTS: dict[str, Any] = {
    "python": {"version": str, "executable": str},
    "torch": {"version": _TEXT, "error": _ERROR, "warnings": [str]},
    "numpy": _PACKAGE, "torchvision": _PACKAGE, "torchaudio": _PACKAGE,
    "start_method": str, "findable": dict,
}
_TORCH_LOADED = {
    "cuda_build": _TEXT, "hip_build": _TEXT, "numpy_interop_error": _ERROR, "mps_available": bool,
    "cuda": {"available": bool, "warnings": [str], "arch_list": [str], "driver": (int, type(None)),
             "devices": [{"name": str, "capability": [int]}]},
}


def _shaped(value: Any, spec: Any) -> bool:
    """value has spec's shape: a type (or tuple of them and shapes), a dict of keys' shapes, a [shape] list."""
    if isinstance(spec, tuple):
        return any(_shaped(value, option) for option in spec)
    if isinstance(spec, list):
        return isinstance(value, list) and all(_shaped(item, spec[0]) for item in value)
    if isinstance(spec, dict):
        if not isinstance(value, dict) or not all(key in value and _shaped(value[key], s) for key, s in spec.items()):
            return False
        torch_loaded = spec is _FACTS and value["torch"]["error"] is None
        return not torch_loaded or _shaped(value["torch"], _TORCH_LOADED)
    return isinstance(value, spec) and not (spec is int and isinstance(value, bool))
