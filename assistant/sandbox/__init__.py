"""Runs untrusted Python (a user's script, code from a document) to prove an error is fixed.

Each run gets a fresh process in a throw-away directory: a new interpreter
(run_source, run_file), or a fork of a warm worker that has already imported
torch (WarmSandbox, for callers that run many snippets). The child confines
itself (bootstrap.py, isolation.py) the same way in both cases and reports
through a private pipe; this side only trusts the kernel: it enforces the wall
clock, caps what it reads so no run can hang or flood the caller, and kills
the whole process tree.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tokenize
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol

from .isolation import unprivileged_ids
from .warm import Zygote, ZygoteGone

Status = Literal["ok", "error", "timeout", "limit"]

__all__ = ["RaisedError", "SandboxLimits", "SandboxResult", "WarmSandbox", "run_file", "run_source"]

_PYTHON_FLAGS = ("-I", "-B", "-u", "-X", "faulthandler")
_BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
_ZYGOTE = Path(__file__).with_name("zygote.py")
_MAX_ZYGOTE_STARTS = 3  # a worker that keeps dying is not worth restarting: runs go cold
_CHUNK = 1 << 16
_FLOOD_FACTOR = 256  # output beyond this many times the kept size is a flood: stop the run
_REPORT_LINE_CAP = 4 << 20
_KILL_GRACE_S = 0.3  # time the guard gets to kill the namespace before the group is SIGKILLed
_DRAIN_GRACE_S = 2.0  # time to wait for pipes held open by processes that escaped the group
_TORCH_OOM = "DefaultCPUAllocator: can't allocate memory"
_CPU_ACCOUNTING_SLACK = 0.95  # rusage samples CPU time: a run killed at its limit may show a little under it


@dataclass(frozen=True)
class SandboxLimits:
    timeout_s: float = 60.0
    cpu_s: int = 60
    memory_mb: int = 4096  # RLIMIT_AS; `import torch` needs about 650 MB of address space
    max_processes: int = 64
    max_output_bytes: int = 64_000
    max_file_mb: int = 64


@dataclass(frozen=True)
class RaisedError:
    type: str
    message: str
    traceback: str
    line: int | None


@dataclass(frozen=True)
class SandboxResult:
    status: Status
    error: RaisedError | None
    warnings: tuple[tuple[str, str], ...]
    stdout: str
    stderr: str
    duration_s: float
    isolation: tuple[str, ...]
    detail: str
    interpreter: dict[str, str | None] = field(default_factory=dict)  # python, version, torch: what ran the code


def run_file(path: Path, *, limits: SandboxLimits = SandboxLimits(), python: str | None = None) -> SandboxResult:
    """Runs a user's script; its text is copied, so the code never sees the user's files."""
    return run_source(_read_script(path), filename=Path(path).name, limits=limits, python=python)


def run_source(source: str, *, filename: str = "script.py", limits: SandboxLimits = SandboxLimits(),
               stdin: str = "", python: str | None = None) -> SandboxResult:
    """Runs source as `<python> <filename>` in a fresh, confined process and reports what happened.

    python is the interpreter that runs the code (the user's own, with their
    packages); None means the one running kb.
    """
    return _run_in_workdir(source, filename, limits, stdin, _cold_spawner(_interpreter(python)))


class WarmSandbox:
    """Runs code like run_source, in children forked from a worker that has already imported torch.

    For callers that run many snippets (checking the corpus, a server): a run
    then costs a fork instead of an interpreter start and a torch import. The
    worker starts in the background on creation. Thread-safe. If the worker
    dies, the run is done cold and a new worker is started, a few times at
    most. Close it (or use it as a context manager) when done; it is also
    stopped when it is garbage-collected or the interpreter exits, and it
    exits by itself when the caller's process dies.

    Differences a run may notice: torch and what it imports are already in
    sys.modules (warnings torch emits while importing are not seen again),
    string hashes are seeded once per worker, and numpy's OpenBLAS runs
    single-threaded (it would otherwise start threads in the worker).
    """

    def __init__(self, python: str | None = None) -> None:
        self._python = _interpreter(python)  # a worker belongs to one interpreter
        self._lock = threading.Lock()
        self._zygotes: list[Zygote] = []  # the current one last; shared with the finalizer
        self._starts = 0
        self._closed = False
        self._finalizer = weakref.finalize(self, _stop_all, self._zygotes)
        self._current()

    def run_source(self, source: str, *, filename: str = "script.py", limits: SandboxLimits = SandboxLimits(),
                   stdin: str = "") -> SandboxResult:
        """Same contract as the module's run_source."""
        zygote = self._current()
        if zygote is not None:
            try:
                return _run_in_workdir(source, filename, limits, stdin, _zygote_spawner(zygote, self._python))
            except ZygoteGone:
                self._retire(zygote)
        return run_source(source, filename=filename, limits=limits, stdin=stdin, python=self._python)

    def run_file(self, path: Path, *, limits: SandboxLimits = SandboxLimits()) -> SandboxResult:
        """Same contract as the module's run_file."""
        return self.run_source(_read_script(path), filename=Path(path).name, limits=limits)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._finalizer()

    def __enter__(self) -> WarmSandbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _current(self) -> Zygote | None:
        """The live worker, started anew if the last one died (a few times at most); None means run cold."""
        with self._lock:
            if self._zygotes and self._zygotes[-1].alive():
                return self._zygotes[-1]
            if self._zygotes:
                self._zygotes.pop().close()  # already dead: this only reaps it
            if self._closed or self._starts >= _MAX_ZYGOTE_STARTS:
                return None
            self._starts += 1
            self._zygotes.append(Zygote([self._python, *_PYTHON_FLAGS, str(_ZYGOTE)], _zygote_env(self._python)))
            return self._zygotes[-1]

    def _retire(self, zygote: Zygote) -> None:
        with self._lock:
            if zygote not in self._zygotes:
                return
            self._zygotes.remove(zygote)
        zygote.close()


def _interpreter(python: str | None) -> str:
    """The interpreter's absolute path, unresolved: a venv's python is a link whose location selects the venv."""
    if python is None:
        return sys.executable
    path = os.path.abspath(python)
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise ValueError(f"python must be an executable interpreter, got {python!r}")
    return path


def _zygote_env(python: str) -> dict[str, str]:
    """The runs' environment while torch is imported; OpenBLAS (loaded by numpy) would start threads otherwise."""
    return {**_clean_env(Path("/nonexistent"), python), "OPENBLAS_NUM_THREADS": "1"}


def _stop_all(zygotes: list[Zygote]) -> None:
    while zygotes:
        zygotes.pop().close()


def _read_script(path: Path) -> str:
    with tokenize.open(path) as handle:  # honours a coding cookie like the interpreter would
        return handle.read()


class _Child(Protocol):
    """The run's first process, as the supervisor needs it: its exit is seen through pidfd before reap()."""

    pid: int
    pidfd: int

    def reap(self) -> tuple[int, float]:
        """Exit code (negative for a signal) and CPU seconds; the pid stays reserved until this is called."""
        ...


_Spawn = Callable[[Path, dict[str, Any], dict[str, int]], _Child]


def _run_in_workdir(source: str, filename: str, limits: SandboxLimits, stdin: str, spawn: _Spawn) -> SandboxResult:
    if not filename or filename in (".", "..") or "/" in filename or "\0" in filename:
        raise ValueError(f"filename must be a plain file name, got {filename!r}")
    workdir = Path(tempfile.mkdtemp(prefix="sandbox-"))
    try:
        (workdir / filename).write_text(source, encoding="utf-8")
        if os.geteuid() == 0:  # the child drops to nobody and must still own its directory
            os.chown(workdir, *unprivileged_ids())
        return _execute(workdir, filename, limits, stdin, spawn)
    finally:
        _remove_tree(workdir)


def _clean_env(workdir: Path, python: str) -> dict[str, str]:
    """Nothing of the caller's environment (tokens, keys) reaches the code."""
    threads = "2"  # enough for torch; several sandboxes side by side do not oversubscribe the cores
    return {
        "PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),  # the only writable place
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "HF_HUB_OFFLINE": "1",
    }


def _execute(workdir: Path, filename: str, limits: SandboxLimits, stdin: str, spawn: _Spawn) -> SandboxResult:
    (out_r, out_w), (err_r, err_w), (report_r, report_w), (lifeline_r, lifeline_w) = (os.pipe() for _ in range(4))
    config = {"filename": filename, "nobody": unprivileged_ids(), "limits": asdict(limits)}
    try:
        # A file, so a large stdin cannot block us; in the work directory, the only one the code may reopen it from.
        with tempfile.TemporaryFile(dir=workdir) as stdin_file:
            stdin_file.write(stdin.encode())
            stdin_file.seek(0)
            if os.geteuid() == 0:  # the child drops to nobody: reopening /dev/stdout or /dev/stdin must still work
                for fd in (out_w, err_w, stdin_file.fileno()):
                    os.fchown(fd, *unprivileged_ids())
            fds = {"stdin": stdin_file.fileno(), "stdout": out_w, "stderr": err_w, "report": report_w,
                   "lifeline": lifeline_r}
            child = spawn(workdir, config, fds)
            started = time.monotonic()
    except BaseException:
        for fd in (out_r, err_r, report_r, lifeline_w):
            os.close(fd)
        raise
    finally:
        for fd in (out_w, err_w, report_w, lifeline_r):
            os.close(fd)
    return _Supervisor(child, {out_r: "stdout", err_r: "stderr"}, report_r, lifeline_w, limits, started).run()


class _ColdChild:
    """A new interpreter running bootstrap.py, our own child."""

    def __init__(self, python: str, workdir: Path, config: dict[str, Any], fds: dict[str, int]) -> None:
        config = {**config, "report_fd": fds["report"], "lifeline_fd": fds["lifeline"]}
        self.proc = subprocess.Popen([python, *_PYTHON_FLAGS, str(_BOOTSTRAP), json.dumps(config)], cwd=workdir,
                                     env=_clean_env(workdir, python), stdin=fds["stdin"], stdout=fds["stdout"],
                                     stderr=fds["stderr"], pass_fds=(fds["report"], fds["lifeline"]),
                                     start_new_session=True)
        self.pid = self.proc.pid
        self.pidfd = os.pidfd_open(self.pid)

    def reap(self) -> tuple[int, float]:
        _, status, usage = os.wait4(self.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return self.proc.returncode, usage.ru_utime + usage.ru_stime


def _cold_spawner(python: str) -> _Spawn:
    """A spawn function that starts a new interpreter for the run."""
    return functools.partial(_ColdChild, python)


def _zygote_spawner(zygote: Zygote, python: str) -> _Spawn:
    """A spawn function that has the warm worker fork the run's child."""
    def spawn(workdir: Path, config: dict[str, Any], fds: dict[str, int]) -> _Child:
        request = {"config": config, "cwd": str(workdir), "env": _clean_env(workdir, python)}
        order = ("stdin", "stdout", "stderr", "report", "lifeline")  # as zygote.py unpacks them
        return zygote.spawn(request, [fds[name] for name in order])
    return spawn


@dataclass
class _Capture:
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
class _ReportReader:
    """Parses the child's JSON lines; oversized, malformed or misshapen lines (flood, forgery) are dropped.

    Only the first line can be the header (the protections, or why the code
    cannot run): the child writes it before the code runs, so the code cannot
    forge it.
    """

    pending: bytearray = field(default_factory=bytearray)
    header_seen: bool = False
    isolation: tuple[str, ...] = ()
    interpreter: dict[str, str | None] = field(default_factory=dict)
    refused: str = ""
    final: dict[str, Any] | None = None

    def feed(self, chunk: bytes) -> None:
        self.pending += chunk
        if b"\n" in chunk:
            *lines, rest = self.pending.split(b"\n")
            self.pending = bytearray(rest)
            for line in lines:
                self._parse(line)
        if len(self.pending) > _REPORT_LINE_CAP:
            self.pending.clear()

    def _parse(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        if not self.header_seen:
            self.header_seen = True
            if isinstance(message.get("interpreter"), dict):
                self.interpreter = {key: str(message["interpreter"].get(key)) for key in ("python", "version")}
            if isinstance(message.get("isolation"), list):
                self.isolation = tuple(map(str, message["isolation"]))
            elif isinstance(message.get("refused"), str):
                self.refused = message["refused"]
        elif _valid_final(message):
            self.final = message


def _valid_final(message: dict[str, Any]) -> bool:
    """The final report is trusted only in the shape bootstrap.py writes it."""
    warnings = message.get("warnings")
    warnings_ok = isinstance(warnings, list) and all(
        isinstance(w, list) and len(w) == 2 and all(isinstance(part, str) for part in w) for w in warnings)
    error = message.get("error")
    error_ok = (error is None and message.get("status") == "ok") or (
        isinstance(error, dict) and message.get("status") == "error"
        and all(isinstance(error.get(key), str) for key in ("type", "message", "traceback"))
        and all(isinstance(error.get(key), (int, type(None))) for key in ("line", "errno")))
    return warnings_ok and error_ok


class _Supervisor:
    """Pumps the child's pipes and enforces the wall clock and the output ceiling.

    One selector loop and no threads, so nothing here can block on the child.
    The child's exit is seen through a pidfd before it is reaped, so signalling
    its process group can never hit a recycled pid.
    """

    def __init__(self, child: _Child, outputs: dict[int, str], report_fd: int, lifeline_w: int,
                 limits: SandboxLimits, started: float) -> None:
        self.child, self.limits, self.started = child, limits, started
        self.report_fd, self.report = report_fd, _ReportReader()
        self.outputs = {fd: _Capture(name, limits.max_output_bytes) for fd, name in outputs.items()}
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
        final = self.report.final
        status, detail, error = self._verdict(cpu_s)
        stdout, stderr = (capture.text() for capture in self.outputs.values())
        return SandboxResult(
            status=status, error=error, detail=detail, stdout=stdout, stderr=stderr, duration_s=round(duration, 3),
            warnings=tuple((category, message) for category, message in final["warnings"]) if final else (),
            isolation=("clean-env", *self.report.isolation),
            interpreter={**self.report.interpreter, "torch": final.get("torch") if final else None})

    def _verdict(self, cpu_s: float) -> tuple[Status, str, RaisedError | None]:
        final, limits = self.report.final, self.limits
        if self.report.refused:
            return "limit", self.report.refused, None
        raised = final["error"] if final else None
        error = RaisedError(raised["type"], raised["message"], raised["traceback"], raised["line"]) if raised else None
        if self.reason == "timeout":
            detail = f"wall-clock timeout: still running after {limits.timeout_s:g} s, process tree killed"
            return "timeout", detail, error
        if self.reason:
            flood = limits.max_output_bytes * _FLOOD_FACTOR
            return "limit", f"{self.reason} flood: over {flood} bytes written, process tree killed", error
        if final is None:
            return _verdict_from_exit(self.returncode, cpu_s, limits)
        detail = _limit_detail(raised, limits) if raised else ""
        return ("limit" if detail else "error" if raised else "ok"), detail, error


def _limit_detail(raised: dict[str, Any], limits: SandboxLimits) -> str:
    """Names the sandbox limit behind an exception, so it is not mistaken for the code's own bug."""
    if raised["type"] == "MemoryError" or _TORCH_OOM in raised["message"]:
        return f"memory limit of {limits.memory_mb} MB reached ({raised['type']})"
    if raised["errno"] == errno.EFBIG:
        return f"file size limit of {limits.max_file_mb} MB reached"
    if raised["errno"] == errno.EAGAIN and "fork" in raised["traceback"]:
        return f"process limit reached (max_processes={limits.max_processes}): fork refused"
    return ""


def _verdict_from_exit(returncode: int, cpu_s: float, limits: SandboxLimits) -> tuple[Status, str, RaisedError | None]:
    """Without a report the code ended the interpreter itself (os._exit) or a signal did."""
    if returncode == 0:
        return "ok", "", None
    if returncode > 0:
        return "error", "", RaisedError("SystemExit", str(returncode), "", None)
    number = -returncode
    name = next((sig.name for sig in signal.Signals if sig == number), f"signal {number}")
    if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu_s >= limits.cpu_s * _CPU_ACCOUNTING_SLACK):
        return "limit", f"CPU time limit of {limits.cpu_s} s exceeded ({name})", None
    if number == signal.SIGKILL:
        return "limit", "killed by SIGKILL, most likely by the kernel's out-of-memory killer", None
    return "error", "", RaisedError(name, f"killed by {name} ({signal.strsignal(number)})", "", None)


def _remove_tree(path: Path) -> None:
    """Deletes the work directory even if the code made parts of it unreadable."""
    for root, dirs, _ in os.walk(path):
        for name in dirs:
            target = os.path.join(root, name)
            if not os.path.islink(target):  # chmod follows links: never touch anything outside
                try:
                    os.chmod(target, 0o700)
                except OSError:
                    pass
    shutil.rmtree(path, ignore_errors=True)
