"""What a caller gives a sandbox run (SandboxLimits) and what it gets back (SandboxResult, RaisedError)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Status = Literal["ok", "error", "timeout", "limit"]

_MAX_CHAIN = 4  # as deep as the child describes a chain (exception_report.MAX_CHAIN)


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 60.0
    cpu_s: int = 60
    memory_mb: int = 4096  # the whole run, all its processes (cgroup); each process's RLIMIT_AS too
    max_processes: int = 64
    max_output_bytes: int = 64_000
    max_file_mb: int = 64
    disk_mb: int = 512  # the work directory, a tmpfs: its pages count as memory too
    max_files: int = 10_000  # files and directories in the work directory
    loopback: bool = False  # bring up lo in the run's network namespace (gloo, local servers); the host stays out


@dataclass(frozen=True)
class TracebackFrame:
    file: str
    line: int | None
    function: str
    code: str


@dataclass(frozen=True)
class RaisedError:
    type: str
    message: str
    traceback: str
    line: int | None
    frames: tuple[TracebackFrame, ...] = ()  # innermost last, from the script's frame on
    cause: RaisedError | None = None  # __cause__ (raise ... from ...)
    context: RaisedError | None = None  # __context__ (raised while handling another)
    suppress_context: bool = False
    module: str = ""  # of the exception's class, e.g. "torch" for torch.OutOfMemoryError
    errno: int | None = None


class RecordedWarning(NamedTuple):
    """A warning the code emitted: its category's name, its text, and the line of the script it is
    attributed to (0 when that is in another file, such as a library's)."""

    category: str
    message: str
    line: int = 0


@dataclass(frozen=True)
class SandboxResult:
    status: Status
    error: RaisedError | None
    warnings: tuple[RecordedWarning, ...]
    stdout: str
    stderr: str
    duration_s: float
    isolation: tuple[str, ...]
    detail: str
    interpreter: dict[str, str | None] = field(default_factory=dict)  # python, version, torch: what ran the code


def raised_from_report(data: Any, depth: int = _MAX_CHAIN + 1) -> RaisedError | None:
    """The child's description of an exception, or None when it is not in the shape the child writes.

    The description passed through the code's process, so its shape is
    checked field by field before anything is trusted to be a str or an int.
    """
    if not isinstance(data, dict) or depth <= 0:
        return None
    texts = [data.get(key) for key in ("type", "message", "traceback", "module")]
    line, code = data.get("line"), data.get("errno")
    frames = [_frame(item) for item in data.get("frames", [])] if isinstance(data.get("frames", []), list) else [None]
    if not all(isinstance(text, str) for text in texts) or not all(_int_or_none(n) for n in (line, code)) \
            or None in frames:
        return None
    kind, message, traceback, module = texts
    return RaisedError(kind, message, traceback, line, tuple(frames),  # type: ignore[arg-type]
                       raised_from_report(data.get("cause"), depth - 1),
                       raised_from_report(data.get("context"), depth - 1),
                       data.get("suppress_context") is True, module, code)


def _frame(data: Any) -> TracebackFrame | None:
    if not isinstance(data, dict):
        return None
    texts = [data.get(key) for key in ("file", "function", "code")]
    if not all(isinstance(text, str) for text in texts) or not _int_or_none(data.get("line")):
        return None
    return TracebackFrame(texts[0], data["line"], texts[1], texts[2])  # type: ignore[arg-type]


def _int_or_none(value: Any) -> bool:
    return value is None or (type(value) is int)
