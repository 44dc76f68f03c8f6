"""Child side of the sandbox, run as a file by a fresh interpreter in isolated mode.

It confines itself before the untrusted code runs, so every protection holds
from the code's first line, then runs the code as `python script.py` would and
reports the outcome as JSON lines on an inherited pipe the code is not told
about: stdout and stderr stay exactly what the code printed, and a flood there
cannot hide or fake the verdict. The first line is a header: the protections
that took hold, or why the code cannot run at all.

Usage (by assistant.sandbox only): python -I bootstrap.py '<json config>'.
The warm worker (zygote.py) loads this file and calls run() in each child it forks.
"""

from __future__ import annotations

import atexit
import builtins
import ctypes
import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
import select
import signal
import sys
import traceback
import types
import warnings
from contextlib import suppress
from pathlib import Path
from typing import Any, NoReturn

_MAX_WARNINGS = 500
_MAX_WARNING_TEXT = 2_000
_MAX_TEXT = 20_000


def _send(fd: int, message: dict[str, Any]) -> None:
    view = memoryview((json.dumps(message) + "\n").encode())
    while view:
        view = view[os.write(fd, view):]


def _guard_namespace_init(iso: types.ModuleType, lifeline_fd: int, report_fd: int) -> None:
    """Forks so the code runs as pid 1 of the new pid namespace; returns only in that child.

    When pid 1 ends the kernel kills everything it started, even processes
    that left the process group. This process stays outside as the guard: it
    kills pid 1 when the parent closes the lifeline (timeout) or dies, then
    exits the way pid 1 did, so the parent sees the real exit status.
    """
    pid = os.fork()
    if pid == 0:
        iso.die_with_parent()
        return
    os.close(report_fd)
    pidfd = os.pidfd_open(pid)
    ready, _, _ = select.select([pidfd, lifeline_fd], [], [])
    if pidfd not in ready:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        with suppress(OSError, ValueError):
            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


class Refused(Exception):
    """The code cannot run in this sandbox here; the message is the one-line reason."""


def _confine(config: dict[str, Any], iso: types.ModuleType) -> list[str]:
    """Applies every protection the kernel and our privileges allow, in the order they require."""
    report_fd, lifeline_fd = config["report_fd"], config["lifeline_fd"]
    applied = list(iso.enter_namespaces())
    nobody = config["nobody"] if os.geteuid() == 0 else None
    # Counted before /proc is replaced: RLIMIT_NPROC sees host-wide tasks unless in a fresh user namespace.
    nproc_base = 0 if "userns" in applied else iso.count_tasks(nobody[0] if nobody else os.getuid())
    if "pidns" in applied:
        _guard_namespace_init(iso, lifeline_fd, report_fd)
        if "mountns" in applied:
            applied += iso.mount_private_fs(config["limits"]["memory_mb"])
    os.close(lifeline_fd)
    program_dirs, workdir = iso.interpreter_dirs(), os.getcwd()
    if nobody and "mountns" in applied:
        applied += iso.expose_below_private_dirs([*program_dirs, workdir], *nobody)
    # Before the privilege drop, so every rule's path can be opened; Landlock holds across the uid change.
    landlock = iso.restrict_files(program_dirs, [workdir, *(["/dev/shm"] if "private-shm" in applied else [])])
    applied += landlock or ["no-home-protection"]
    if nobody:
        applied += iso.drop_root(*nobody)
        _refuse_unreadable(iso, program_dirs, nobody)
    applied += iso.apply_rlimits(config["limits"], nproc_base)
    return applied


def _refuse_unreadable(iso: types.ModuleType, program_dirs: list[str], nobody: list[int]) -> None:
    """Says so in one line, where the code would otherwise die of a confusing ImportError.

    That happens when the interpreter lies below a directory nobody may not
    enter and no private mount namespace could expose it.
    """
    unreadable = iso.first_unreadable(program_dirs)
    if unreadable is not None:
        raise Refused(f"cannot run code: the sandbox's user (uid {nobody[0]}) cannot read {unreadable}; "
                      f"install Python and its packages where every user can read them")


def _record_warnings() -> list[list[str]]:
    """Records every warning while still printing it as usual.

    "always" matters: the default filters show a warning once per location and
    hide deprecations raised inside libraries such as torch, which are often
    exactly what a fix is about.
    """
    records: list[list[str]] = []
    show = warnings.showwarning

    def record(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        if len(records) < _MAX_WARNINGS:
            records.append([category.__name__, str(message)[:_MAX_WARNING_TEXT]])
        show(message, category, filename, lineno, file, line)

    warnings.showwarning = record
    warnings.simplefilter("always")
    return records


def _describe(exc: BaseException, filename: str) -> dict[str, Any]:
    """The error as the user would see it: traceback starts at their script, not at this file."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == filename:
            line = lineno
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    code = getattr(exc, "errno", None)
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not cost the whole report
        message = f"<unprintable {type(exc).__name__} object>"
    return {
        "type": type(exc).__name__,
        "message": message[:_MAX_TEXT],
        "traceback": "".join(traceback.format_exception(type(exc), exc, tb))[-_MAX_TEXT:],
        "line": line,
        "errno": code if isinstance(code, int) else None,
    }


def _run(filename: str) -> dict[str, Any]:
    """Runs the script as its own __main__ module, like `python script.py`.

    A real module (not this file's globals) keeps pickling of classes the
    script defines, multiprocessing and `if __name__ == "__main__"` working;
    the script's directory leads sys.path as usual, so a script named torch.py
    shadows torch exactly as it does on the user's machine.
    """
    path = os.path.abspath(filename)
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"], sys.argv = module, [path]
    sys.path.insert(0, os.path.dirname(path))
    records = _record_warnings()
    error = None
    try:
        with open(path, encoding="utf-8") as handle:  # written as UTF-8; compiling text ignores coding cookies
            source = handle.read()
        exec(compile(source, filename, "exec"), module.__dict__)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            error = _describe(exc, filename)
            if not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
    except BaseException as exc:  # noqa: BLE001 - everything the code raises is the result
        if isinstance(exc, MemoryError):  # free the code's memory first, or reporting fails too
            traceback.clear_frames(exc.__traceback__)
            module.__dict__.clear()
        error = _describe(exc, filename)
        sys.stderr.write(error["traceback"])
    return {"status": "error" if error else "ok", "error": error, "warnings": records}


def run(config: dict[str, Any], iso: types.ModuleType) -> NoReturn:
    """Confines this process, runs the code, reports and exits."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    report_fd = config["report_fd"]
    os.set_inheritable(report_fd, False)  # programs the code execs must not get the channel
    interpreter = {"python": sys.executable, "version": platform.python_version()}
    try:
        _send(report_fd, {"isolation": _confine(config, iso), "interpreter": interpreter})
    except Refused as refused:
        _send(report_fd, {"refused": str(refused), "interpreter": interpreter})
        os._exit(1)
    me = os.getpid()
    report = _run(config["filename"])
    if os.getpid() != me:  # a fork of the code fell through to here: only the original reports
        os._exit(0 if report["error"] is None else 1)
    _flush()
    _send(report_fd, {**report, "torch": _torch_version()})
    _exit(0 if report["error"] is None else 1)


def _torch_version() -> str | None:
    """The version of the torch the code imported, else of the one installed; never imports it."""
    torch = sys.modules.get("torch")
    version = getattr(torch, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version("torch")
    except Exception:  # noqa: BLE001 - not installed, or metadata the code broke: unknown
        return None


def _exit(status: int) -> NoReturn:
    """Ends the process as the interpreter would, minus tearing down every module.

    With torch loaded that teardown takes over a second and shows nothing:
    the interpreter does not promise __del__ for objects alive at exit. What
    a script can see still happens: non-daemon threads are waited for,
    atexit handlers run and every buffered stream, C's included, is flushed.
    """
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    _flush()
    ctypes.CDLL(None).fflush(None)
    os._exit(status)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()


def load_isolation() -> types.ModuleType:
    """Loads isolation.py by path without registering it, so the code cannot import it by name."""
    spec = importlib.util.spec_from_file_location("_sandbox_isolation", Path(__file__).with_name("isolation.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    run(json.loads(sys.argv[1]), load_isolation())
