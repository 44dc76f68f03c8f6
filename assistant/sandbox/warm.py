"""The caller's side of the warm worker (zygote.py).

Protocol, over AF_UNIX SOCK_SEQPACKET sockets (one message per send, descriptors alongside):
  control, caller -> worker: a JSON request and the run's descriptors [channel, input, stdout, stderr,
      report, lifeline], where channel is a fresh socket for this run alone;
  channel, worker -> caller: {"pid": n} and a pidfd of the forked child;
  channel, caller -> worker: b"reap" once the child has exited and its group is killed;
  channel, worker -> caller: {"status": wait status, "cpu_s": seconds}.
Closing a channel instead makes the worker kill and reap that child; closing the
control socket makes it exit once its runs are reaped. The worker never reaps a
child on its own, so the caller's group kill can never hit a recycled pid.
"""

from __future__ import annotations

import array
import json
import os
import socket
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

_MESSAGE_CAP = 4096
_SPAWN_TIMEOUT_S = 120.0  # covers the worker's own start (importing torch) on a loaded machine
_REAP_TIMEOUT_S = 10.0  # the child is already dead: the worker only has to wait4 it
_STOP_GRACE_S = 5.0


class ZygoteGone(Exception):
    """The worker died or stopped answering: the run has to be done cold."""


@dataclass
class WarmChild:
    """A run's process, forked by the worker: watched through the pidfd, reaped through the worker."""

    pid: int
    pidfd: int
    channel: socket.socket

    def reap(self) -> tuple[int, float]:
        """Exit code (negative for a signal) and CPU seconds of the finished child."""
        try:
            self.channel.settimeout(_REAP_TIMEOUT_S)
            self.channel.send(b"reap")
            reply = self.channel.recv(_MESSAGE_CAP)
        except OSError as exc:
            raise ZygoteGone(f"warm worker lost while reaping: {exc}") from exc
        finally:
            self.channel.close()
        if not reply:
            raise ZygoteGone("warm worker exited before reaping the run")
        message = json.loads(reply)
        return os.waitstatus_to_exitcode(message["status"]), float(message["cpu_s"])


class Zygote:
    """One warm worker process and the control socket to it; spawn() may be called from any thread."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            # Its own session: a Ctrl-C meant for the caller does not kill it mid-fork.
            self.process = subprocess.Popen([*command, str(theirs.fileno())], env=env, cwd="/",
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),),
                                            start_new_session=True)
        self.control = ours
        self.send_lock = threading.Lock()

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, request: dict[str, Any], fds: list[int]) -> WarmChild:
        """Has the worker fork a child for one run; the child takes over the given descriptors."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            passed = array.array("i", [theirs.fileno(), *fds])
            with theirs, self.send_lock:
                self.control.sendmsg([json.dumps(request).encode()], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, passed)])
            ours.settimeout(_SPAWN_TIMEOUT_S)
            reply, ancillary, _, _ = ours.recvmsg(_MESSAGE_CAP, socket.CMSG_SPACE(4), socket.MSG_CMSG_CLOEXEC)
        except OSError as exc:
            ours.close()
            raise ZygoteGone(f"warm worker did not fork the run: {exc}") from exc
        pidfds = [fd for level, kind, data in ancillary if (level, kind) == (socket.SOL_SOCKET, socket.SCM_RIGHTS)
                  for fd in array.array("i", data)]
        if not reply or len(pidfds) != 1:
            for fd in pidfds:
                os.close(fd)
            ours.close()
            raise ZygoteGone("warm worker closed the run unanswered")
        return WarmChild(json.loads(reply)["pid"], pidfds[0], ours)

    def close(self) -> None:
        """Lets the worker finish the runs it serves and exit; kills it if it does not in time."""
        with self.send_lock:  # a concurrent spawn must not send on a closed (and maybe reused) descriptor
            self.control.close()
        try:
            self.process.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
