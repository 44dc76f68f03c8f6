"""Runs untrusted Python (a user's script, code from a document) to prove an error is fixed.

Each run gets a fresh process with a file system of its own: a new interpreter
(run_source, run_file), or a fork of a warm worker that has already imported
torch (WarmSandbox, for callers that run many snippets), under kb's Python or
the user's. The child confines itself (bootstrap.py, isolation.py, rootfs.py)
the same way in both cases and reports through a private pipe; this side
(supervisor.py) trusts the kernel for the verdict: it enforces the wall clock,
caps what it reads so no run can hang or flood the caller, kills the whole
process tree and bounds the run's memory as a whole (cgroup.py).
docs/security.md says what this stops and what it does not.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tokenize
import weakref
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any

from .cgroup import RunCgroup
from .results import RaisedError, RecordedWarning, SandboxLimits, SandboxResult, Status, TracebackFrame
from .supervisor import Child, Supervisor
from .warm import Zygote, ZygoteGone

__all__ = ["RaisedError", "RecordedWarning", "SandboxLimits", "SandboxResult", "Status", "TracebackFrame", "WarmSandbox", "run_file",
           "run_source"]

_PYTHON_FLAGS = ("-I", "-B", "-u", "-X", "faulthandler")
_BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
_ZYGOTE = Path(__file__).with_name("zygote.py")
_MAX_ZYGOTE_STARTS = 3  # a worker that keeps dying is not worth restarting: runs go cold
# Each run's own uid and gid come from this range, which no account and no user namespace mapping uses.
_RUN_IDS_START, _RUN_IDS_COUNT = 0x70000000, 0x08000000


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

    Differences a run may notice: torch, torch._dynamo and what they import are
    already in sys.modules (warnings torch emits while importing are not seen again),
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


_Spawn = Callable[[Path, dict[str, Any], dict[str, int]], Child]


def _run_in_workdir(source: str, filename: str, limits: SandboxLimits, stdin: str, spawn: _Spawn) -> SandboxResult:
    """Runs the code on a mount point of its own: an empty directory only the caller may enter.

    The child mounts its private root over it and creates the work directory
    there, so nothing of the run exists on the host's file system: no host
    process can read the script or swap it, and nothing is left behind. Only
    without a private mount namespace (an ordinary user where user namespaces
    are forbidden) does the child, running as the caller, work in it directly.
    """
    if not filename or filename in (".", "..") or "/" in filename or "\0" in filename:
        raise ValueError(f"filename must be a plain file name, got {filename!r}")
    mountpoint = Path(tempfile.mkdtemp(prefix="sandbox-"))  # mode 700, owned by the caller
    cgroup = RunCgroup.create(limits.memory_mb) if os.geteuid() == 0 else None
    try:
        return _execute(mountpoint, filename, limits, {"source": source, "stdin": stdin}, spawn, cgroup)
    finally:
        if cgroup is not None:
            cgroup.remove()
        try:
            mountpoint.rmdir()
        except OSError:  # the fallback's files; they belong to the caller, who ran the code as itself
            shutil.rmtree(mountpoint, ignore_errors=True)


def _run_ids() -> tuple[int, int]:
    """A uid and gid for one run alone (root only): no host process shares them, nor does any other run."""
    uid = _RUN_IDS_START + secrets.randbelow(_RUN_IDS_COUNT)
    return uid, uid


def _clean_env(workdir: Path, python: str) -> dict[str, str]:
    """Nothing of the caller's environment (tokens, keys) reaches the code."""
    threads = "2"  # enough for torch; several sandboxes side by side do not oversubscribe the cores
    return {
        "PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),  # the only writable place
        "USER": "sandbox",  # the run's uid has no account: getpass.getuser() must not fail
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "HF_HUB_OFFLINE": "1",
    }


def _execute(workdir: Path, filename: str, limits: SandboxLimits, inputs: dict[str, str], spawn: _Spawn,
             cgroup: RunCgroup | None) -> SandboxResult:
    (out_r, out_w), (err_r, err_w), (lifeline_r, lifeline_w) = (os.pipe() for _ in range(3))
    report_r, report_w = _report_channel()
    ids = _run_ids() if os.geteuid() == 0 else None
    config = {"filename": filename, "ids": ids, "limits": asdict(limits), "workdir": str(workdir),
              "cgroup": cgroup.procs if cgroup else None}
    input_fd = _input_file(inputs)
    try:
        if ids is not None:  # reopening /dev/stdout or /dev/stderr must still work for the run's user
            for fd in (out_w, err_w):
                os.fchown(fd, *ids)
        fds = {"input": input_fd, "stdout": out_w, "stderr": err_w, "report": report_w, "lifeline": lifeline_r}
        child = spawn(workdir, config, fds)
        started = time.monotonic()
    except BaseException:
        for fd in (out_r, err_r, report_r, lifeline_w):
            os.close(fd)
        raise
    finally:
        for fd in (input_fd, out_w, err_w, report_w, lifeline_r):
            os.close(fd)
    oom_kills = cgroup.oom_kills if cgroup else (lambda: 0)
    return Supervisor(child, {out_r: "stdout", err_r: "stderr"}, report_r, lifeline_w, limits, started, oom_kills).run()


def _report_channel() -> tuple[int, int]:
    """A socket pair, not a pipe: the code could reopen a pipe's end through /proc/self/fd for reading and
    swallow the report before the host reads it; a socket cannot be reopened, and what the child writes
    reaches only this side."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ours.shutdown(socket.SHUT_WR)  # nothing ever goes to the child this way
    return ours.detach(), theirs.detach()


def _input_file(inputs: dict[str, str]) -> int:
    """The script and its stdin in an anonymous file the child reads before the code runs: no path, no race."""
    fd = os.memfd_create("sandbox-input", os.MFD_CLOEXEC)
    data = json.dumps(inputs).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class _ColdChild:
    """A new interpreter running bootstrap.py, our own child."""

    def __init__(self, python: str, workdir: Path, config: dict[str, Any], fds: dict[str, int]) -> None:
        config = {**config, "input_fd": fds["input"], "report_fd": fds["report"], "lifeline_fd": fds["lifeline"]}
        self.proc = subprocess.Popen([python, *_PYTHON_FLAGS, str(_BOOTSTRAP), json.dumps(config)], cwd=workdir,
                                     env=_clean_env(workdir, python), stdin=subprocess.DEVNULL, stdout=fds["stdout"],
                                     stderr=fds["stderr"], pass_fds=(fds["input"], fds["report"], fds["lifeline"]),
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
    def spawn(workdir: Path, config: dict[str, Any], fds: dict[str, int]) -> Child:
        request = {"config": config, "cwd": str(workdir), "env": _clean_env(workdir, python)}
        order = ("input", "stdout", "stderr", "report", "lifeline")  # as zygote.py unpacks them
        return zygote.spawn(request, [fds[name] for name in order])
    return spawn
