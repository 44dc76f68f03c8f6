"""Turn pasted code into the error it raises, by running it in the sandbox.

Code carries no error message, and matching code text against the corpus is the weakest signal
retrieval has. The error the code really raises is the strongest: it matches an entry's declared
patterns. A file that only defines a model is driven by the same harness as `kb fix`.
"""

from __future__ import annotations

from assistant import harness
from assistant.query import parse_query
from assistant.sandbox import SandboxLimits, run_source

PROBE_LIMITS = SandboxLimits(timeout_s=60.0, cpu_s=60)


def error_of_code(text: str, limits: SandboxLimits = PROBE_LIMITS) -> str | None:
    """The traceback (or warning) that running the pasted code produces; None when the text is not
    code, or when it runs clean and warns of nothing."""
    if parse_query(text).kind != "code":
        return None
    try:
        program = harness.drive(text) if harness.needs_harness(text) else text
    except harness.CannotDrive:
        return None
    result = run_source(program, filename="snippet.py", limits=limits)
    if result.status == "error" and result.error is not None:
        return result.error.traceback or f"{result.error.type}: {result.error.message}"
    if result.warnings:
        category, message = result.warnings[0]
        return f"snippet.py: {category}: {message}"
    return None
