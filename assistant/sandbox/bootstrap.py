"""Child side of the sandbox, run as a file by a fresh interpreter in isolated mode.

It confines itself before the untrusted code runs, so every protection holds
from the code's first line, writes the script and its stdin into the run's
private work directory, then runs the code as `python script.py` would.
stdout and stderr stay exactly what the code printed. The outcome goes to the
host as JSON lines on a socket the code is not told about (the host's reader is
supervisor.ReportReader):

  1. the header, before any of the code runs: the protections that took hold
     and the interpreter, or why the code cannot run at all;
  2. RAISED, the moment an exception leaves the script, before any handler of
     the code's own (atexit, threads, finalizers, hooks) can run again;
  3. one report: the exception's details, warnings, torch's version.

The code can reach the socket (it shares this process), so nothing it could
write there counts as success: the host takes "ok" from the kernel's exit
status and the absence of RAISED, and treats any line it did not expect as
tampering. How that holds up is argued in docs/security.md.

Standard library only, Python 3.9 or later: it runs under the user's own
interpreter. Usage (by assistant.sandbox only): python -I bootstrap.py '<json config>'.
The warm worker (zygote.py) loads this file and calls run() in each child it forks.
"""

from __future__ import annotations

import atexit
import builtins
import ctypes
import errno
import functools
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

RAISED = b'{"raised": true}\n'
_MAX_WARNINGS = 500
_MAX_WARNING_TEXT = 2_000
# Bound before the code runs: it may replace the modules' attributes.
_write, _dumps, _exc_info, _os_exit = os.write, json.dumps, sys.exc_info, os._exit
# write(2) called without releasing the GIL (os.write releases it): no thread of the code runs until RAISED is out.
_write_holding_gil = ctypes.PyDLL(None).write
_write_holding_gil.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t)
_write_holding_gil.restype = ctypes.c_ssize_t


def _send(fd: int, message: dict[str, Any]) -> None:
    view = memoryview((_dumps(message) + "\n").encode())
    while view:
        view = view[_write(fd, view):]


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


def _confine(config: dict[str, Any], modules: dict[str, types.ModuleType], inputs: dict[str, str]) -> list[str]:
    """Applies every protection the kernel and our privileges allow, in the order they require.

    The script and stdin are written in between: after the switch to the
    run's user, who must own them, and before the limits that could refuse them.
    """
    iso, limits, workdir = modules["isolation"], config["limits"], config["workdir"]
    applied = _join_cgroup(config["cgroup"]) + list(iso.enter_namespaces())
    ids = config["ids"] if os.geteuid() == 0 else None
    if ids and "mountns" not in applied:
        raise Refused("cannot run code: no private mount namespace for the run's files")
    # Counted before /proc is replaced: RLIMIT_NPROC sees host-wide tasks unless the uid is fresh.
    nproc_base = 0 if ids or "userns" in applied else iso.count_tasks(os.getuid())
    if "pidns" in applied:
        _guard_namespace_init(iso, config["lifeline_fd"], config["report_fd"])
    os.close(config["lifeline_fd"])
    program_dirs = iso.interpreter_dirs()
    if "mountns" in applied:
        try:
            applied += modules["rootfs"].enter(workdir, [*program_dirs, *iso.system_dirs()], limits,
                                               ids or (os.getuid(), os.getgid()))
        except OSError as exc:
            raise Refused(f"cannot run code: the run's private file system could not be built ({exc})") from exc
    else:
        os.chdir(workdir)
    if limits["loopback"] and "netns" in applied:
        applied += iso.bring_up_loopback()
    applied += iso.join_own_session_keyring()
    # Before the privilege drop, so every rule's path can be opened; Landlock holds across the uid change.
    writable = [workdir, *(["/dev/shm"] if "private-shm" in applied else [])]
    landlock = iso.restrict_files(program_dirs, writable, tcp="loopback" in applied)
    applied += landlock or ["no-home-protection"]
    if ids:
        applied += iso.drop_root(*ids)
        _refuse_unreadable(iso, program_dirs, ids)
    elif "userns" in applied:
        applied += iso.drop_capabilities()
    _stage(config["filename"], inputs)
    return applied + list(iso.apply_rlimits(limits, nproc_base))


def _join_cgroup(procs: str | None) -> list[str]:
    """Moves this process (and so all the run will start) into the cgroup that bounds the run's memory."""
    if procs is None:
        return []
    with open(procs, "w") as handle:
        handle.write(str(os.getpid()))
    return ["cgroup-memory"]


def _stage(filename: str, inputs: dict[str, str]) -> None:
    """Writes the script into the work directory and makes its stdin an unnamed file there.

    A file, not a pipe, so any size of stdin is fine and the code may reopen
    /dev/stdin; written as the run's user, so it is the code's own.
    """
    with open(filename, "x", encoding="utf-8") as handle:
        handle.write(inputs["source"])
    try:
        fd = os.open(".", os.O_TMPFILE | os.O_RDWR, 0o600)
    except OSError:  # a host directory (no private mount namespace) on a file system without O_TMPFILE
        fd = os.open(".stdin", os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_NOFOLLOW, 0o600)
        os.unlink(".stdin")
    with os.fdopen(fd, "w+b") as stdin:
        stdin.write(inputs["stdin"].encode())
        stdin.flush()
        os.lseek(stdin.fileno(), 0, os.SEEK_SET)
        os.dup2(stdin.fileno(), 0)


def _read_inputs(fd: int) -> dict[str, str]:
    with os.fdopen(fd, "rb") as handle:
        return json.loads(handle.read())


def _refuse_unreadable(iso: types.ModuleType, program_dirs: list[str], ids: list[int]) -> None:
    """Says so in one line, where the code would otherwise die of a confusing ImportError.

    That happens when a directory of the interpreter itself is closed to
    other users (the run's own uid belongs to no account).
    """
    unreadable = iso.first_unreadable(program_dirs)
    if unreadable is not None:
        raise Refused(f"cannot run code: the sandbox's user (uid {ids[0]}) cannot read {unreadable}; "
                      f"install Python and its packages where every user can read them")


def _record_warnings(script: str) -> list[list[Any]]:
    """Records every warning while still printing it as usual, with the line of the script it is
    attributed to (0 when that is in another file), so a fix can aim at the call that warned.

    "always" matters: the default filters show a warning once per location and
    hide deprecations raised inside libraries such as torch, which are often
    exactly what a fix is about.
    """
    records: list[list[Any]] = []
    show = warnings.showwarning

    def record(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        if len(records) < _MAX_WARNINGS:
            at = lineno if filename == script and isinstance(lineno, int) else 0
            records.append([category.__name__, str(message)[:_MAX_WARNING_TEXT], at])
        show(message, category, filename, lineno, file, line)

    warnings.showwarning = record
    warnings.simplefilter("always")
    return records


def _run(filename: str, report_fd: int, describe: Any) -> dict[str, Any] | None:
    """Runs the script as its own __main__ module, like `python script.py`; returns the error it ended with.

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
    with open(path, encoding="utf-8") as handle:  # written as UTF-8; compiling text ignores coding cookies
        source = handle.read()
    exception = _execute(source, filename, module, report_fd)
    if exception is None:
        return None
    if isinstance(exception, MemoryError):  # free the code's memory first, or reporting fails too
        traceback.clear_frames(exception.__traceback__)
        module.__dict__.clear()
    error = describe(exception, filename)
    if isinstance(exception, SystemExit):
        if not isinstance(exception.code, int):
            print(exception.code, file=sys.stderr)
    else:
        sys.stderr.write(error["traceback"])
    return error


def _execute(source: str, filename: str, module: types.ModuleType, report_fd: int) -> BaseException | None:
    """Runs the code; an exception that leaves it is announced (RAISED) before the code can run again.

    Everything the handlers use before RAISED is sent is a local bound here,
    before the code runs, and the first handler is bare: no name the code may
    have rebound (builtins included) is looked up, no call that could run its
    code comes first, and the write keeps the GIL, so none of its threads runs
    (and calls os._exit(0)) before RAISED is out. If the announcement cannot
    be made on the host's own channel (the code closed or replaced the
    descriptor), the process ends at once with status 1, which can never read
    as success. SystemExit is the code's request to end, judged like the
    interpreter does.
    """
    write, fstat, exit_now, exc_info = _write_holding_gil, os.fstat, _os_exit, _exc_info
    stop, marker = SystemExit, RAISED
    size, channel = len(RAISED), os.fstat(report_fd)
    expected = (channel.st_dev, channel.st_ino)
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
    except stop as request:
        code = request.code
        if code is None or (type(code) in (int, bool) and code == 0):
            return None
        _announce(report_fd)
        return request
    except:  # noqa: E722 - bare on purpose, see above
        try:
            sent = write(report_fd, marker, size)
            now = fstat(report_fd)
        except:  # noqa: E722
            exit_now(1)
        if sent != size or (now.st_dev, now.st_ino) != expected:
            exit_now(1)
        return exc_info()[1]
    return None


def _announce(report_fd: int) -> None:
    """RAISED for an exit request with a failing status, where no handler of the code has run in between."""
    if _write_holding_gil(report_fd, RAISED, len(RAISED)) != len(RAISED):
        _os_exit(1)


def _disk_full(error: dict[str, Any] | None) -> str | None:
    """Which of the work directory's caps a "no space left" error hit: its bytes or its files."""
    if error is None or error["errno"] != errno.ENOSPC:
        return None
    try:
        usage = os.statvfs(".")
    except OSError:
        return None
    return "files" if usage.f_favail == 0 else "bytes" if usage.f_bavail == 0 else None


def run(config: dict[str, Any], modules: dict[str, types.ModuleType]) -> NoReturn:
    """Confines this process, runs the code, reports and exits."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    report_fd = config["report_fd"]
    os.set_inheritable(report_fd, False)  # programs the code execs must not get the channel
    interpreter = {"python": sys.executable, "version": platform.python_version()}
    inputs = _read_inputs(config["input_fd"])
    try:
        isolation = _confine(config, modules, inputs)
    except (Refused, OSError) as refused:
        reason = str(refused) if isinstance(refused, Refused) else f"cannot run code: {refused}"
        _send(report_fd, {"refused": reason, "interpreter": interpreter})
        os._exit(1)
    _send(report_fd, {"isolation": isolation, "interpreter": interpreter})
    os.register_at_fork(after_in_child=functools.partial(_close_quietly, report_fd))  # forks never report
    records = _record_warnings(config["filename"])
    me = os.getpid()
    error = _run(config["filename"], report_fd, modules["exception_report"].describe)
    if os.getpid() != me:  # a fork of the code fell through to here: only the original reports
        os._exit(0 if error is None else 1)
    _flush()
    _send(report_fd, {"error": error, "warnings": records, "torch": _torch_version(), "disk_full": _disk_full(error)})
    os.close(report_fd)  # before the code's atexit handlers and threads get their last chance to run
    _exit(0 if error is None else 1)


def _close_quietly(fd: int) -> None:
    with suppress(OSError):
        os.close(fd)


def _torch_version() -> str | None:
    """The version of the torch the code imported, else of the one installed; never imports it.

    The installed one is read from its dist-info directory's name, as
    importlib.metadata would, without the 0.1 s it takes to import that.
    """
    version = getattr(sys.modules.get("torch"), "__version__", None)
    if isinstance(version, str):
        return version
    for directory in sys.path:
        try:
            names = os.listdir(directory or ".")
        except (OSError, TypeError):
            continue
        for name in names:
            if name.startswith("torch-") and name.endswith(".dist-info"):
                return name[len("torch-"):-len(".dist-info")]
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
    _os_exit(status)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()


def load_helpers() -> dict[str, types.ModuleType]:
    """Loads the child's sibling files by path without registering them, so the code cannot import them by name."""
    modules = {}
    for name in ("isolation", "rootfs", "exception_report"):
        spec = importlib.util.spec_from_file_location(f"_sandbox_{name}", Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(modules[name])
    return modules


if __name__ == "__main__":
    run(json.loads(sys.argv[1]), load_helpers())
