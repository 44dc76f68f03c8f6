"""The user-namespace path: kb run by an ordinary user, whose own files and sockets the code must not reach.

The tests run as root, so each starts a driver as a throw-away uid that
calls the sandbox and prints the result as JSON. The driver uses the
system's Python, which that uid can execute (kb's venv may live under
root's home); the sandbox itself needs nothing but the standard library.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sandbox_snippets import REOPEN_FOR_READING, chroot_escape

PROJECT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")
UID = 0x6F000001

DRIVER = textwrap.dedent("""
    import json, os, socket, sys, tempfile
    from assistant.sandbox import SandboxLimits, run_source
    private = tempfile.mkdtemp(prefix="agent-")  # like ssh-agent's: a 0700 directory of the user's
    path = os.path.join(private, "agent.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen()
    listener.settimeout(0.2)
    source = sys.stdin.read().replace("AGENT", repr(path))
    result = run_source(source, limits=SandboxLimits(timeout_s=30))
    try:
        listener.accept()
        accepted = True
    except TimeoutError:
        accepted = False
    os.unlink(path)
    os.rmdir(private)
    print(json.dumps({"status": result.status, "stdout": result.stdout, "stderr": result.stderr,
                      "isolation": result.isolation, "accepted": accepted, "detail": result.detail}))
""")


# Also tries the user's own agent socket, which stays unreachable whatever the escape did.
ESCAPE = chroot_escape("os.path.exists(os.path.dirname(AGENT)) or socket.socket(socket.AF_UNIX).connect_ex(AGENT) == 0")


def _as_ordinary_user(source: str) -> dict[str, Any]:
    assert SYSTEM_PYTHON is not None
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT), "HOME": "/nonexistent"}
    done = subprocess.run([SYSTEM_PYTHON, "-c", DRIVER], input=textwrap.dedent(source), capture_output=True, text=True,
                          env=env, user=UID, group=UID, extra_groups=[], cwd="/", timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(autouse=True)
def _root_only() -> None:
    if os.geteuid() != 0:
        pytest.fail("these tests start a driver as another user, which takes root")


def test_the_users_own_agent_socket_is_unreachable() -> None:
    result = _as_ordinary_user("""
        import socket
        try:
            socket.socket(socket.AF_UNIX).connect(AGENT)
            print("CONNECTED")
        except OSError as exc:
            print("refused", type(exc).__name__)
    """)
    assert "userns" in result["isolation"] and "private-root" in result["isolation"], result
    assert result["stdout"] == "refused FileNotFoundError\n", result
    assert not result["accepted"]


def test_the_code_keeps_no_capability_to_undo_its_root() -> None:
    result = _as_ordinary_user("""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.umount2(b"/proc", 2), libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
        with open("/proc/self/status") as status:
            print(status.read().split("CapEff:")[1].split()[0])
    """)
    assert "no-capabilities" in result["isolation"], result
    assert result["stdout"] == "-1 -1\n0000000000000000\n", result


def test_a_user_namespace_of_its_own_does_not_lead_out_of_the_root() -> None:
    """With CAP_SYS_CHROOT regained in a nested user namespace, the classic chroot escape finds no host above "/"."""
    result = _as_ordinary_user(ESCAPE)
    assert result["stdout"].splitlines()[-1] == "CONTAINED", result
    assert not result["accepted"]


def test_a_forged_report_does_not_win_here_either() -> None:
    result = _as_ordinary_user("""
        import atexit, os
        def forge():
            for fd in range(3, 256):
                try:
                    os.write(fd, b'{"status": "ok", "error": null, "warnings": []}\\n')
                except OSError:
                    pass
            os._exit(0)
        atexit.register(forge)
        raise RuntimeError("the real outcome")
    """)
    assert result["status"] == "error", result


def test_the_report_channel_cannot_be_reopened_for_reading() -> None:
    """Same uid as the caller here: a pipe's end could be reopened through /proc/self/fd and drained."""
    result = _as_ordinary_user(REOPEN_FOR_READING)
    assert result["status"] == "ok", result
    assert "REOPENED" not in result["stdout"]
