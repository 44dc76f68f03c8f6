"""Warm worker: an interpreter that has imported torch and forks one sandbox child per run.

Starting Python and importing torch costs over a second per run; a fork of a
process that already did both costs milliseconds. Each forked child confines
itself exactly like a cold one (bootstrap.run: namespaces, its own root,
Landlock, privilege drop, rlimits), in the clean environment and work directory of its run, with
only that run's descriptors open.

Forking is only safe while this process has a single thread, so it never runs
a torch operation (which would start the OpenMP pool) and checks after the
import that no library started a thread of its own.

Usage (by assistant.sandbox.warm only): python -I zygote.py <control socket fd>;
the protocol is described in warm.py. The worker exits once the caller closed
the control socket and every run it forked is reaped.
"""

from __future__ import annotations

import array
import importlib.util
import json
import os
import selectors
import signal
import socket
import sys
import types
from contextlib import suppress
from pathlib import Path
from typing import Any

_REQUEST_CAP = 1 << 16
_RUN_FDS = 6  # channel, input, stdout, stderr, report, lifeline


def _load(name: str) -> types.ModuleType:
    """Loads a sibling file by path without registering it, so the code cannot import it by name."""
    spec = importlib.util.spec_from_file_location(f"_sandbox_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _warm_up() -> None:
    """Imports what nearly every run imports; a run that does not use torch is not hurt by it being loaded.
    torch._dynamo too: the first optimizer a script builds imports it (seconds), and it starts no
    thread. Old or unusual torch builds may lack it or refuse to import it; their runs import it cold."""
    with suppress(ImportError):
        import torch  # noqa: F401
    with suppress(Exception):
        import torch._dynamo  # noqa: F401
    if len(os.listdir("/proc/self/task")) != 1:
        sys.exit("zygote: a library started a thread during the import; forking would be unsafe")


class _Server:
    """Answers requests on the control socket and reaps children when their caller says so."""

    def __init__(self, control: socket.socket) -> None:
        self.control: socket.socket | None = control
        self.runs: dict[socket.socket, int] = {}  # channel -> pid of the child it is about
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ)

    def serve(self) -> dict[str, Any] | None:
        """Returns None when the caller is gone, or, in a forked child, the config of its run."""
        while self.control is not None or self.runs:
            for key, _ in self.selector.select():
                if key.fileobj is self.control:
                    config = self._on_request()
                    if config is not None:
                        return config
                else:
                    self._on_channel(key.fileobj)  # type: ignore[arg-type]
        return None

    def _on_request(self) -> dict[str, Any] | None:
        assert self.control is not None
        message, ancillary, _, _ = self.control.recvmsg(_REQUEST_CAP, socket.CMSG_SPACE(_RUN_FDS * 4))
        if not message:
            self.selector.unregister(self.control)
            self.control.close()
            self.control = None
            return None
        channel_fd, *fds = _received_fds(ancillary)
        channel = socket.socket(fileno=channel_fd)
        try:
            pid = os.fork()
        except OSError:
            pid = -1  # closing the channel unanswered sends the caller to a cold run
        if pid == 0:
            return self._become_child(json.loads(message), channel, fds)
        for fd in fds:  # else the run's pipes would never reach end of file
            os.close(fd)
        if pid > 0:
            self._announce(channel, pid)
        else:
            channel.close()
        return None

    def _announce(self, channel: socket.socket, pid: int) -> None:
        pidfd = os.pidfd_open(pid)
        try:
            channel.sendmsg([json.dumps({"pid": pid}).encode()],
                            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pidfd]))])
        except OSError:  # the caller gave up waiting: nobody will watch this run
            _kill_and_reap(pid)
            channel.close()
            return
        finally:
            os.close(pidfd)
        self.runs[channel] = pid
        self.selector.register(channel, selectors.EVENT_READ)

    def _on_channel(self, channel: socket.socket) -> None:
        """"reap": the child has exited and the caller killed its group. End of file: the caller is gone."""
        pid = self.runs.pop(channel)
        self.selector.unregister(channel)
        with channel:
            try:
                asked = channel.recv(16) == b"reap"
            except OSError:
                asked = False
            if not asked:
                _kill_and_reap(pid)
                return
            _, status, usage = os.wait4(pid, 0)
            with suppress(OSError):
                channel.send(json.dumps({"status": status, "cpu_s": usage.ru_utime + usage.ru_stime}).encode())

    def _become_child(self, request: dict[str, Any], channel: socket.socket, fds: list[int]) -> dict[str, Any]:
        """Leaves the worker's state behind and takes on the run's descriptors, directory and environment."""
        self.selector.close()
        for owned in (self.control, channel, *self.runs):
            if owned is not None:
                owned.close()  # through their objects, so none closes a reused descriptor number later
        os.setsid()  # its own process group, which the caller kills at the end
        input_fd, stdout, stderr, report_fd, lifeline_fd = fds  # stdin stays /dev/null until bootstrap.run
        for source, target in ((stdout, 1), (stderr, 2)):
            os.dup2(source, target)
            os.close(source)
        _close_all_but({0, 1, 2, input_fd, report_fd, lifeline_fd})
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if "tempfile" in sys.modules:  # a directory cached during the import would outlive TMPDIR
            sys.modules["tempfile"].tempdir = None
        return {**request["config"], "input_fd": input_fd, "report_fd": report_fd, "lifeline_fd": lifeline_fd}


def _received_fds(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    fds = array.array("i")
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
    return list(fds)


def _close_all_but(keep: set[int]) -> None:
    """Closes every other descriptor, also those no Python object owns."""
    low = 0
    for fd in sorted(keep):
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def _kill_and_reap(pid: int) -> None:
    """Unreaped, the child still owns its pid and process group, so neither kill can hit a stranger."""
    os.kill(pid, signal.SIGKILL)  # it may not have made its own group yet
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def main() -> int:
    control = socket.socket(fileno=int(sys.argv[1]))
    bootstrap = _load("bootstrap")
    helpers = bootstrap.load_helpers()
    _warm_up()
    config = _Server(control).serve()
    if config is not None:  # in a forked child: never returns
        bootstrap.run(config, helpers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
