"""The walls around a run (issue #8, items 2 to 5): its files, Unix sockets, leftover state, whole-run limits.

Every test runs cold and warm (see conftest.py) and asserts the protection
outright: each is available wherever these tests run as root on Linux 5.13+.
"""

from __future__ import annotations

import ctypes
import os
import socket
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import assistant.sandbox
from assistant.sandbox import SandboxLimits, WarmSandbox

from sandbox_snippets import chroot_escape

Sandbox = ModuleType | WarmSandbox
LIMITS = SandboxLimits(timeout_s=30)


@pytest.fixture
def mountpoints(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The directories the host side creates for runs, as they are created."""
    made: list[Path] = []
    real = tempfile.mkdtemp

    def recording(*args: object, **kwargs: object) -> str:
        path = real(*args, **kwargs)  # type: ignore[arg-type]
        made.append(Path(path))
        return path

    monkeypatch.setattr(assistant.sandbox.tempfile, "mkdtemp", recording)
    return made


def test_the_runs_files_are_not_on_the_hosts_file_system(sandbox: Sandbox, mountpoints: list[Path]) -> None:
    """While the code runs, its directory on the host is empty and only root may enter it (item 2)."""
    seen: list[tuple[list[str], int, int]] = []

    def inspect() -> None:
        while not mountpoints:
            time.sleep(0.01)
        time.sleep(0.8)
        info = os.stat(mountpoints[0])
        seen.append((os.listdir(mountpoints[0]), info.st_uid, info.st_mode & 0o777))

    watcher = threading.Thread(target=inspect)
    watcher.start()
    source = "import os, time\nopen('made-by-the-code.txt', 'w').write('x')\nprint(os.getcwd())\ntime.sleep(2)\n"
    result = sandbox.run_source(source, filename="patched.py", limits=LIMITS)
    watcher.join()
    assert result.status == "ok", result.stderr
    assert seen == [([], os.geteuid(), 0o700)]
    assert result.stdout.strip() == str(mountpoints[0])  # the code sees the path the caller knows
    assert not mountpoints[0].exists()  # and nothing is left behind


def test_nothing_is_left_behind_whatever_the_code_makes(sandbox: Sandbox, mountpoints: list[Path]) -> None:
    source = textwrap.dedent("""
        import os
        os.makedirs("a/b")
        os.symlink("/etc", "a/b/link-to-etc")
        os.symlink("/root", "swapped")
        os.chmod("a/b", 0)
        os.chmod("a", 0)
        while True:
            pass
    """)
    etc_mode = os.stat("/etc").st_mode
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=2))
    assert result.status == "timeout"
    assert mountpoints and not any(path.exists() for path in mountpoints)
    assert os.stat("/etc").st_mode == etc_mode


@pytest.fixture
def host_unix_listener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, socket.socket]]:
    """A listener anyone may connect to: a 0777 socket in a world-readable directory of /tmp."""
    directory = Path(tempfile.mkdtemp(prefix="sandbox-test-socket-"))
    directory.chmod(0o755)
    path = str(directory / "listener.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o777)
    listener.listen()
    listener.settimeout(0.2)
    try:
        yield path, listener
    finally:
        listener.close()
        os.unlink(path)
        directory.rmdir()


CONNECT_UNIX = textwrap.dedent("""
    import socket, sys
    for address in sys.argv[1:] or ADDRESSES:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(2)
                client.connect(address)
                client.sendall(b"hello from the sandbox")
                print("CONNECTED", address, client.recv(100))
        except OSError as exc:
            print("refused", type(exc).__name__)
""")


def test_host_unix_sockets_are_unreachable(sandbox: Sandbox, host_unix_listener: tuple[str, socket.socket]) -> None:
    """Filesystem and abstract sockets alike (item 3)."""
    path, listener = host_unix_listener
    abstract_name = f"\0sandbox-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as abstract:
        abstract.bind(abstract_name)
        abstract.listen()
        abstract.settimeout(0.2)
        source = f"ADDRESSES = {[path, abstract_name]!r}\n" + CONNECT_UNIX
        result = sandbox.run_source(source, limits=LIMITS)
        for server in (listener, abstract):
            with pytest.raises(TimeoutError):
                server.accept()
    assert result.status == "ok", result.stderr
    assert "CONNECTED" not in result.stdout
    assert result.stdout.count("refused") == 2


def test_a_user_namespace_of_its_own_does_not_lead_out_of_the_root(sandbox: Sandbox) -> None:
    """Regaining CAP_SYS_CHROOT in a nested user namespace: the classic chroot escape finds no host above "/"."""
    host_only = Path(tempfile.mkdtemp(prefix="sandbox-test-host-only-"))
    try:
        source = chroot_escape(f"os.path.exists({str(host_only)!r})")
        result = sandbox.run_source(source, limits=LIMITS)
    finally:
        host_only.rmdir()
    assert result.status == "ok", result.stderr
    assert result.stdout.splitlines()[-1] == "CONTAINED"


def _sysv_keys(kind: str) -> set[str]:
    with open(f"/proc/sysvipc/{kind}") as table:
        return {line.split()[0] for line in table.readlines()[1:]}


def test_system_v_ipc_does_not_outlive_the_run(sandbox: Sandbox) -> None:
    """A shared-memory segment and a message queue made by one run are gone for the host and the next run (item 4)."""
    key = 0x5A000000 + uuid.uuid4().int % 0xFFFFFF
    make = textwrap.dedent(f"""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        shm = libc.shmget({key}, 16 << 20, 0o1000 | 0o666)
        queue = libc.msgget({key}, 0o1000 | 0o666)
        print(shm >= 0, queue >= 0)
    """)
    probe = textwrap.dedent(f"""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.shmget({key}, 0, 0), libc.msgget({key}, 0))
    """)
    try:
        made = sandbox.run_source(make, limits=LIMITS)
        assert made.stdout == "True True\n", made.stderr
        assert str(key) not in _sysv_keys("shm") | _sysv_keys("msg")
        later = sandbox.run_source(probe, limits=LIMITS)
        assert later.stdout == "-1 -1\n", later.stderr
    finally:
        libc = ctypes.CDLL(None)
        for get, remove in ((libc.shmget, lambda ident: libc.shmctl(ident, 0, None)),
                            (libc.msgget, lambda ident: libc.msgctl(ident, 0, None))):
            ident = get(key, 0, 0)
            if ident >= 0:  # the old sandbox left them on the host
                remove(ident)


_KEY_CALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}  # add_key, keyctl


@pytest.mark.parametrize("keyring", [-4, -3], ids=["user keyring", "session keyring"])
def test_kernel_keys_do_not_outlive_the_run(sandbox: Sandbox, keyring: int) -> None:
    add_key, keyctl = _KEY_CALLS[os.uname().machine]
    description = f"sandbox-test-{uuid.uuid4().hex}"
    calls = (f"import ctypes\nlibc = ctypes.CDLL(None)\nlibc.syscall.restype = ctypes.c_long\n"
             f"DESC = {description!r}.encode()\n")
    add = calls + f"print(libc.syscall({add_key}, b'user', DESC, b'secret', 6, {keyring}) > 0)\n"
    search = calls + f"print(libc.syscall({keyctl}, 10, {keyring}, b'user', DESC, 0))\n"  # KEYCTL_SEARCH
    added = sandbox.run_source(add, limits=LIMITS)
    assert added.stdout == "True\n", added.stderr
    assert sandbox.run_source(search, limits=LIMITS).stdout == "-1\n"


def test_memory_is_bounded_for_all_processes_together(sandbox: Sandbox) -> None:
    """Three processes of 700 MB each under a 1536 MB limit: the kernel stops the run and says why (item 5).

    Each process alone stays within the limit, also as a fork of the warm
    worker (which maps about 600 MB after importing torch).
    """
    source = textwrap.dedent("""
        import os, time
        children = []
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                block = bytearray(700 << 20)
                for offset in range(0, len(block), 4096):
                    block[offset] = 1
                time.sleep(3)
                os._exit(0)
            children.append(pid)
        print([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children])
    """)
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=60, memory_mb=1536))
    assert result.status == "limit", result
    assert "memory limit of 1536 MB for the whole run" in result.detail


def test_disk_bytes_are_bounded(sandbox: Sandbox) -> None:
    source = "with open('big.bin', 'wb') as f:\n    for _ in range(40):\n        f.write(b'0' * (1 << 20))\n"
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=30, disk_mb=16))
    assert result.status == "limit", result
    assert "disk limit of the work directory reached (16 MB" in result.detail


def test_disk_files_are_bounded(sandbox: Sandbox) -> None:
    source = "for n in range(5000):\n    open(f'f{n}', 'w').close()\n"
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=30, max_files=1000))
    assert result.status == "limit", result
    assert "disk limit of the work directory reached (1000 files" in result.detail


def test_many_files_of_the_per_file_limit_still_hit_the_disk_limit(sandbox: Sandbox) -> None:
    source = "for n in range(20):\n    open(f'f{n}', 'wb').write(b'0' * (1 << 20))\n"
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=30, max_file_mb=1, disk_mb=8))
    assert result.status == "limit", result
    assert "disk limit" in result.detail
