"""What `kb` prints for programs: JSON objects (their schemas are in assistant.interface.schemas and
docs/json.md) and exit codes. Only the standard library is imported: the launcher uses this.
"""

from __future__ import annotations

import json
from typing import Any

# Exit codes of every command (README, "Exit codes")
EXIT_OK = 0  # a confident match, a patch (proven when --verify was asked), or plain success
EXIT_NOT_FOUND = 1  # no confident match; no patch, or a patch --verify did not prove; a failed corpus check
EXIT_BAD_INPUT = 2  # bad input or usage
EXIT_INDEX = 3  # the index or the model cannot be used


def dumps(value: dict[str, Any]) -> str:
    """One JSON object on one line. Everything outside ASCII is escaped (`\\u001b`, `\\u009b`), so the
    line is inert even when printed straight to a terminal, and decodes to the same object."""
    return json.dumps(value, ensure_ascii=True)


def batch_error(number: int, message: str) -> dict[str, str]:
    """The object `kb ask --batch` writes for line `number` when it cannot be answered."""
    return {"error": f"line {number}: {message}"}


def ask_exit_code(answer: dict[str, Any]) -> int:
    return EXIT_OK if answer["match"] == "confident" else EXIT_NOT_FOUND


def fix_exit_code(verdict: str, verify_asked: bool) -> int:
    """0 when the fix is what was asked for: verified, or any patch when --verify was not asked."""
    wanted = {"verified"} if verify_asked else {"verified", "patched-unverified"}
    return EXIT_OK if verdict in wanted else EXIT_NOT_FOUND
