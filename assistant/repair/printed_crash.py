"""A crash that a run printed although its main process ended well: no fix is proven by such a run.

A program's main process can finish with status 0 while part of its work failed: a
`multiprocessing.Process` whose exception is printed by the child and never checked by the
parent, a launcher started with `subprocess.run` whose return code is ignored, a C++ abort
in a rank, a handler that prints the traceback and carries on. Its run looks clean to the
sandbox, yet the patched code did not do its work. The evidence is in what the run printed.

The output is the untrusted program's, which is acceptable here because it can only take a
proof away: a program that prints a fake crash loses its own "verified", nothing more.
Tracebacks that Python prints for errors in `__del__` or at interpreter shutdown ("Exception
ignored in ...") are left out: they report teardown noise after the work was done.
"""

from __future__ import annotations

import re

_TRACEBACK = "Traceback (most recent call last):"
_IGNORED = "Exception ignored"
# Lines that say a process died outside Python's exception handling.
_NATIVE_DEATH = re.compile(r"^(terminate called (after throwing an instance of|without an active exception).*"
                           r"|Fatal Python error: .*"
                           r"|.*\bfailed \(exitcode: -?\d+\) local_rank: .*)$")
_RAISED = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failure|Warning)\b(: .*)?$")


def crash_in(output: str) -> str:
    """The line that says a process of the run crashed (a Python exception's last line, or the
    native abort's own line); "" when the output shows none."""
    lines = output.splitlines()
    for number, text in enumerate(lines):
        if _NATIVE_DEATH.match(text):
            return text.strip()
        if text.startswith(_TRACEBACK) and not _after_ignored(lines, number):
            raised = _raised_after(lines, number)
            if raised:
                return raised
    return ""


def _after_ignored(lines: list[str], number: int) -> bool:
    """The traceback belongs to "Exception ignored in: ..." on the line before it."""
    return number > 0 and lines[number - 1].startswith(_IGNORED)


def _raised_after(lines: list[str], start: int) -> str:
    """The exception line that ends the traceback starting at `start`: the first unindented line after it."""
    for text in lines[start + 1:]:
        if text and not text[0].isspace():
            return text.strip() if _RAISED.match(text) else ""
    return ""
