"""Runs for recipe tests of distributed code: gloo needs the run's loopback interface up, which
the plain recipe sandbox keeps down. Facts come out as kb fix makes them from a run."""

from __future__ import annotations

from assistant.answering.error_model import from_raised
from assistant.repair.fix import facts_from
from assistant.repair.recipes import Facts
from assistant.sandbox import SandboxLimits, SandboxResult, run_source

WITH_LOOPBACK = SandboxLimits(loopback=True)


def run(source: str) -> SandboxResult:
    return run_source(source, filename="train.py", limits=WITH_LOOPBACK)


def facts(source: str, error_type: str) -> Facts:
    """The facts of this distributed code's error (which must be of `error_type`)."""
    result = run(source)
    assert result.error is not None, f"expected {error_type}, the code ran: {result.status}"
    assert result.error.type == error_type, result.error.traceback
    return facts_from(from_raised(result.error), source, "train.py")


def assert_clean(source: str) -> None:
    result = run(source)
    assert result.status == "ok", result.error.traceback if result.error else result.detail
