"""The structured report of the exception a run ended with, taken from the live exception object.

The host builds its error model from these fields instead of re-parsing
traceback text. The exception is the code's own object: its __str__, its
chain and its frames may be hostile, so every field is bounded (frames kept,
chain depth, text length), every value is coerced to the JSON type the host
expects, and a part that fails to describe itself is left out, not allowed to
cost the whole report.

Standard library only: the child loads this file by path (see bootstrap.py).
"""

from __future__ import annotations

import traceback
from types import TracebackType
from typing import Any

MAX_FRAMES = 64  # the innermost ones: where the error happened
MAX_CHAIN = 4  # causes and contexts below the exception itself
MAX_TEXT = 20_000
MAX_CODE = 500


def describe(exc: BaseException, filename: str) -> dict[str, Any]:
    """The error as the user would see it: frames and traceback start at their script, not at the sandbox.

    Frames above the script's first one are the sandbox's own; an exception
    with no frame in the script (a syntax error) has none to show.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    report = _one(exc, tb, filename, MAX_CHAIN, {id(exc)})
    report["traceback"] = _text(lambda: "".join(traceback.format_exception(type(exc), exc, tb)), keep_end=True)
    return report


def _one(exc: BaseException, tb: TracebackType | None, filename: str, depth: int, seen: set[int]) -> dict[str, Any]:
    frames = _frames(tb)
    line = None
    for frame, lineno in traceback.walk_tb(tb):  # the whole traceback: the script may lie beyond the frames kept
        if frame.f_code.co_filename == filename:
            line = lineno
    if isinstance(exc, SyntaxError) and exc.filename == filename and isinstance(exc.lineno, int):
        line = exc.lineno
    code = getattr(exc, "errno", None)
    return {
        "type": _text(lambda: type(exc).__name__),
        "module": _text(lambda: type(exc).__module__),
        "message": _text(lambda: str(exc), fallback=f"<unprintable {type(exc).__name__} object>"),
        "line": line,
        "errno": code if type(code) is int else None,
        "frames": frames,
        "cause": _chained(exc.__cause__, filename, depth, seen),
        "context": _chained(exc.__context__, filename, depth, seen),
        "suppress_context": exc.__suppress_context__ is True,
    }


def _chained(exc: object, filename: str, depth: int, seen: set[int]) -> dict[str, Any] | None:
    """A cause or context, unless the chain is too deep or loops back."""
    if not isinstance(exc, BaseException) or depth <= 0 or id(exc) in seen:
        return None
    seen.add(id(exc))
    try:
        # Raised and caught inside the code: every frame of it is the code's or its libraries'.
        report = _one(exc, exc.__traceback__, filename, depth - 1, seen)
    except Exception:  # noqa: BLE001 - a chained exception that cannot be described is left out
        return None
    report["traceback"] = ""  # the outermost report's text already shows the whole chain
    return report


def _frames(tb: TracebackType | None) -> list[dict[str, Any]]:
    try:
        summary = traceback.extract_tb(tb)
    except Exception:  # noqa: BLE001 - a frame whose source cannot be read costs the frames, not the report
        return []
    return [{"file": _text(lambda: str(frame.filename), limit=MAX_CODE),
             "line": frame.lineno if type(frame.lineno) is int else None,
             "function": _text(lambda: str(frame.name), limit=MAX_CODE),
             "code": _text(lambda: (frame.line or "").strip(), limit=MAX_CODE)}
            for frame in list(summary)[-MAX_FRAMES:]]


def _text(produce: Any, *, limit: int = MAX_TEXT, keep_end: bool = False, fallback: str = "") -> str:
    """A bounded string from code that may raise or return something else than a str."""
    try:
        value = produce()
    except Exception:  # noqa: BLE001 - the code's objects may fail to describe themselves
        return fallback
    if not isinstance(value, str):
        return fallback
    value = str.__str__(value)  # a str subclass (torch's KeyErrorMessage) as plain text, none of its methods run
    return value[-limit:] if keep_end else value[:limit]
