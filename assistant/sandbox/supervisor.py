"""The host's side of one run: pumps the child's pipes, enforces the wall clock, and decides the verdict.

The verdict trusts only what the code cannot forge: the kernel's exit status
(through the guard, which exits the way the run's first process did), the
memory cgroup's OOM count, and the header the child sent before any of the
code ran. What the child reports after that passed through the code's
process, so it can only make a verdict worse: RAISED, once sent, makes the
run an error whatever follows; a line the child would not write, a second
report or a report that contradicts the exit status mark the run as
tampered with, an error too. See docs/security.md.
"""

from __future__ import annotations

import errno
import json
import os
import re
import selectors
import signal
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any, Protocol

from .bootstrap import RAISED
from .results import RaisedError, RecordedWarning, SandboxLimits, SandboxResult, Status, raised_from_report

_CHUNK = 1 << 16
_FLOOD_FACTOR = 256  # output beyond this many times the kept size is a flood: stop the run
_REPORT_LINE_CAP = 4 << 20
_KILL_GRACE_S = 0.3  # time the guard gets to kill the namespace before the group is SIGKILLed
_DRAIN_GRACE_S = 2.0  # time to wait for pipes held open by processes that escaped the group
_TORCH_OOM = "DefaultCPUAllocator: can't allocate memory"
_REQUESTED = re.compile(r"you tried to allocate (\d+) bytes")
_CPU_ACCOUNTING_SLACK = 0.95  # rusage samples CPU time: a run killed at its limit may show a little under it
_TAMPERED = "the code wrote to the sandbox's report channel, so its outcome cannot be trusted"


class Child(Protocol):
    """The run's first process, as the supervisor needs it: its exit is seen through pidfd before reap()."""

    pid: int
    pidfd: int

    def reap(self) -> tuple[int, float]:
        """Exit code (negative for a signal) and CPU seconds; the pid stays reserved until this is called."""
        ...


@dataclass
class Capture:
    """Keeps the first `cap` bytes of a stream and counts the rest."""

    name: str
    cap: int
    kept: bytearray = field(default_factory=bytearray)
    total: int = 0

    def feed(self, chunk: bytes) -> None:
        self.kept += chunk[: max(self.cap - len(self.kept), 0)]
        self.total += len(chunk)

    def text(self) -> str:
        text = self.kept.decode("utf-8", "replace")
        dropped = self.total - len(self.kept)
        return text + (f"\n[sandbox: output truncated, {dropped} more bytes dropped]" if dropped else "")


@dataclass
class ReportReader:
    """Parses the child's JSON lines (bootstrap.py's protocol) and notes every line that breaks it.

    Only the first line can be the header (the protections, or why the code
    cannot run): the child writes it before the code runs. After it, only
    RAISED and one report are expected; anything else (a forged report, a
    second one, garbage, a line cut short) is the code's doing.
    """

    pending: bytearray = field(default_factory=bytearray)
    header_seen: bool = False
    isolation: tuple[str, ...] = ()
    interpreter: dict[str, str | None] = field(default_factory=dict)
    refused: str = ""
    raised: bool = False
    reports: list[dict[str, Any]] = field(default_factory=list)
    tampered: bool = False

    def feed(self, chunk: bytes) -> None:
        self.pending += chunk
        if b"\n" in chunk:
            *lines, rest = self.pending.split(b"\n")
            self.pending = bytearray(rest)
            for line in lines:
                self._parse(line)
        if len(self.pending) > _REPORT_LINE_CAP:
            self.pending.clear()
            self.tampered = True

    def finish(self) -> None:
        """End of the stream: a line left without its newline was not written by the child."""
        if self.pending:
            self.tampered = True

    def _parse(self, line: bytes) -> None:
        if self.header_seen and line + b"\n" == RAISED:
            self.raised = True
            return
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            self.tampered = True
        elif not self.header_seen:
            self.header_seen = True
            self._header(message)
        elif _valid_report(message) and len(self.reports) < 2:
            self.reports.append(message)
        else:
            self.tampered = True

    def _header(self, message: dict[str, Any]) -> None:
        interpreter = message.get("interpreter")
        if isinstance(interpreter, dict):
            self.interpreter = {key: str(interpreter.get(key)) for key in ("python", "version")}
        if isinstance(message.get("isolation"), list):
            self.isolation = tuple(map(str, message["isolation"]))
        elif isinstance(message.get("refused"), str):
            self.refused = message["refused"]


def _valid_report(message: dict[str, Any]) -> bool:
    """The report is taken only in the shape bootstrap.py writes it."""
    warnings = message.get("warnings")
    warnings_ok = isinstance(warnings, list) and all(
        isinstance(w, list) and len(w) == 3 and isinstance(w[0], str) and isinstance(w[1], str)
        and type(w[2]) is int and w[2] >= 0 for w in warnings)
    error = message.get("error")
    error_ok = error is None or raised_from_report(error) is not None
    extras_ok = all(isinstance(message.get(key), (str, type(None))) for key in ("torch", "disk_full"))
    return warnings_ok and error_ok and extras_ok and set(message) == {"error", "warnings", "torch", "disk_full"}


class Supervisor:
    """Pumps the child's pipes and enforces the wall clock and the output ceiling.

    One selector loop and no threads, so nothing here can block on the child.
    The child's exit is seen through a pidfd before it is reaped, so signalling
    its process group can never hit a recycled pid.
    """

    def __init__(self, child: Child, outputs: dict[int, str], report_fd: int, lifeline_w: int,
                 limits: SandboxLimits, started: float, oom_kills: Callable[[], int]) -> None:
        self.child, self.limits, self.started, self.oom_kills = child, limits, started, oom_kills
        self.report_fd, self.report = report_fd, ReportReader()
        self.outputs = {fd: Capture(name, limits.max_output_bytes) for fd, name in outputs.items()}
        self.lifeline_w: int | None = lifeline_w
        self.pidfd = child.pidfd
        self.returncode = 0
        self.reason = ""  # why we stopped the run: "timeout", "stdout" or "stderr"
        self.kill_at: float | None = None
        self.give_up_at: float | None = None

    def run(self) -> SandboxResult:
        try:
            self._pump()
        finally:
            self._killpg()  # whatever is left; the leader is still unreaped
            for fd in (self.pidfd, self.report_fd, self.lifeline_w, *self.outputs):
                if fd is not None:
                    os.close(fd)
            self.lifeline_w = None
            self.returncode, cpu_s = self.child.reap()
        return self._result(time.monotonic() - self.started, cpu_s)

    def _pump(self) -> None:
        deadline = self.started + self.limits.timeout_s
        with selectors.DefaultSelector() as selector:
            for fd in (*self.outputs, self.report_fd, self.pidfd):
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                now = time.monotonic()
                if not self.reason and now >= deadline:
                    self._stop("timeout", now)
                if self.kill_at is not None and now >= self.kill_at:
                    self._killpg()
                    self.kill_at, self.give_up_at = None, self._soonest(self.give_up_at, now + _DRAIN_GRACE_S)
                if self.give_up_at is not None and now >= self.give_up_at:
                    return  # only processes that escaped the group still hold a pipe
                wake = self._soonest(None if self.reason else deadline, self.kill_at, self.give_up_at)
                for key, _ in selector.select(max((wake or now) - now, 0)):
                    self._on_ready(selector, key.fd, now)

    def _on_ready(self, selector: selectors.BaseSelector, fd: int, now: float) -> None:
        if fd == self.pidfd:
            selector.unregister(fd)
            self._killpg()  # children it left behind would keep the pipes open
            self.give_up_at = self._soonest(self.give_up_at, now + _DRAIN_GRACE_S)
            return
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            selector.unregister(fd)
        elif fd == self.report_fd:
            self.report.feed(chunk)
        else:
            capture = self.outputs[fd]
            capture.feed(chunk)
            if not self.reason and capture.total > self.limits.max_output_bytes * _FLOOD_FACTOR:
                self._stop(capture.name, now)

    def _stop(self, reason: str, now: float) -> None:
        """Closing the lifeline makes the guard kill the pid namespace; the group kill follows as a backstop."""
        self.reason, self.kill_at = reason, now + _KILL_GRACE_S
        if self.lifeline_w is not None:
            os.close(self.lifeline_w)
            self.lifeline_w = None

    def _killpg(self) -> None:
        try:
            os.killpg(self.child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    @staticmethod
    def _soonest(*moments: float | None) -> float | None:
        return min((m for m in moments if m is not None), default=None)

    def _result(self, duration: float, cpu_s: float) -> SandboxResult:
        self.report.finish()
        report = self.report.reports[0] if len(self.report.reports) == 1 else None
        verdict = _Verdict(self.report, report, self.limits, "cgroup-memory" in self.report.isolation)
        status, detail, error = verdict.decide(self.reason, self.returncode, cpu_s, self.oom_kills())
        stdout, stderr = (capture.text() for capture in self.outputs.values())
        return SandboxResult(
            status=status, error=error, detail=detail, stdout=stdout, stderr=stderr, duration_s=round(duration, 3),
            warnings=tuple(RecordedWarning(*warned) for warned in report["warnings"]) if report else (),
            isolation=("clean-env", *self.report.isolation),
            interpreter={**self.report.interpreter, "torch": report["torch"] if report else None})


@dataclass
class _Verdict:
    """Turns what the run left behind into (status, detail, error), most trustworthy facts first."""

    reader: ReportReader
    report: dict[str, Any] | None  # the single report, if exactly one came
    limits: SandboxLimits
    memory_watched: bool  # a cgroup counted OOM kills: a SIGKILL it did not count was not for memory

    def decide(self, reason: str, returncode: int, cpu_s: float,
               oom_kills: int) -> tuple[Status, str, RaisedError | None]:
        limits = self.limits
        if self.reader.refused:
            return "limit", self.reader.refused, None
        error = raised_from_report(self.report["error"]) if self.report else None
        if reason == "timeout":
            detail = f"wall-clock timeout: still running after {limits.timeout_s:g} s, process tree killed"
            return "timeout", detail, error
        if reason:
            flood = limits.max_output_bytes * _FLOOD_FACTOR
            return "limit", f"{reason} flood: over {flood} bytes written, process tree killed", error
        if oom_kills:
            return "limit", (f"memory limit of {limits.memory_mb} MB for the whole run reached: the kernel killed "
                             f"{oom_kills} of its processes"), error
        if self.reader.tampered or len(self.reader.reports) > 1 or (error is not None and not self.reader.raised):
            return "error", _TAMPERED, error or RaisedError("SandboxTampering", _TAMPERED, "", None)
        if self.reader.raised:
            error = error or _unreported(returncode)
            detail = self._limit_detail(error)
            return ("limit" if detail else "error"), detail, error
        if self.report is not None and returncode != 0:
            status, detail, error = _verdict_from_exit(returncode, cpu_s, limits, self.memory_watched)
            detail = detail or "the script finished, then its process failed"
            return "error" if status == "ok" else status, detail, error
        return _verdict_from_exit(returncode, cpu_s, limits, self.memory_watched)

    def _limit_detail(self, error: RaisedError) -> str:
        """Names the sandbox limit behind an exception, so it is not mistaken for the code's own bug."""
        limits = self.limits
        if error.type == "MemoryError" or (_TORCH_OOM in error.message and not _beyond_this_machine(error.message)):
            return f"memory limit of {limits.memory_mb} MB reached ({error.type})"
        if error.errno == errno.EFBIG:
            return f"file size limit of {limits.max_file_mb} MB reached"
        if error.errno == errno.ENOSPC:
            full = self.report.get("disk_full") if self.report else None
            what = {"files": f"{limits.max_files} files", "bytes": f"{limits.disk_mb} MB"}.get(
                full or "", f"{limits.disk_mb} MB or {limits.max_files} files")
            return f"disk limit of the work directory reached ({what}; /dev/shm holds {limits.memory_mb} MB)"
        if error.errno == errno.EAGAIN and "fork" in error.traceback:
            return f"process limit reached (max_processes={limits.max_processes}): fork refused"
        return ""


def _unreported(returncode: int) -> RaisedError:
    """An exception left the script, but the process ended before describing it."""
    return RaisedError("UnreportedException", f"the script raised, then its process ended with status {returncode} "
                       "before the exception could be described", "", None)


def _verdict_from_exit(returncode: int, cpu_s: float, limits: SandboxLimits,
                       memory_watched: bool) -> tuple[Status, str, RaisedError | None]:
    """Without RAISED the code ended the interpreter itself (os._exit) or a signal did."""
    if returncode == 0:
        return "ok", "", None
    if returncode > 0:
        return "error", "", RaisedError("SystemExit", str(returncode), "", None)
    number = -returncode
    name = next((sig.name for sig in signal.Signals if sig == number), f"signal {number}")
    if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu_s >= limits.cpu_s * _CPU_ACCOUNTING_SLACK):
        return "limit", f"CPU time limit of {limits.cpu_s} s exceeded ({name})", None
    if number == signal.SIGKILL and memory_watched:  # RLIMIT_CPU's SIGKILL, when rusage lags behind it
        return "limit", f"killed by SIGKILL: the CPU time limit of {limits.cpu_s} s, or the code itself", None
    if number == signal.SIGKILL:
        return "limit", "killed by SIGKILL, most likely by the kernel's out-of-memory killer", None
    return "error", "", RaisedError(name, f"killed by {name} ({signal.strsignal(number)})", "", None)


def _beyond_this_machine(message: str) -> bool:
    """A request larger than the machine's whole memory fails anywhere: the code's own error (an
    accidental N x N tensor), not the sandbox's limit."""
    requested = _REQUESTED.search(message)
    return requested is not None and int(requested[1]) > os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
