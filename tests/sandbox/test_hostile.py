"""Hostile snippets: each must be stopped and reported without hanging the tests or harming the host.

Every test runs cold and warm (see conftest.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from types import ModuleType

import pytest

from assistant.sandbox import SandboxLimits, SandboxResult, WarmSandbox

Sandbox = ModuleType | WarmSandbox
SHORT = SandboxLimits(timeout_s=3.0)


def _processes_in(workdir: str) -> list[int]:
    """Processes whose working directory is (or was, before deletion) the sandbox's."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                continue
            if cwd in (workdir, f"{workdir} (deleted)"):
                found.append(int(entry))
    return found


def _assert_no_strays(result: SandboxResult) -> None:
    workdir = result.stdout.splitlines()[0]
    assert workdir.startswith(tempfile.gettempdir())
    for _ in range(20):  # only the no-pid-namespace fallback can leave processes dying for a moment
        if not _processes_in(workdir):
            return
        time.sleep(0.1)
    pytest.fail(f"processes of the sandbox survived: {_processes_in(workdir)}")


def test_infinite_loop_times_out(sandbox: Sandbox) -> None:
    started = time.monotonic()
    result = sandbox.run_source("print('started', flush=True)\nwhile True:\n    pass\n", limits=SHORT)
    assert result.status == "timeout"
    assert "timeout" in result.detail and "3 s" in result.detail
    assert result.stdout == "started\n"  # output before the kill is kept
    assert time.monotonic() - started < 3.0 + 3.0


def test_cpu_limit_stops_a_busy_loop(sandbox: Sandbox) -> None:
    result = sandbox.run_source("while True:\n    pass\n", limits=SandboxLimits(timeout_s=15, cpu_s=1))
    assert result.status == "limit"
    assert "CPU time limit of 1 s" in result.detail


def test_memory_bomb_hits_the_limit(sandbox: Sandbox) -> None:
    source = "chunks = []\nwhile True:\n    chunks.append(b'x' * 50_000_000)\n"
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=20, memory_mb=1024))
    assert result.status == "limit"
    assert result.error is not None and result.error.type == "MemoryError"
    assert result.error.line == 3
    assert "memory limit of 1024 MB" in result.detail


def test_torch_running_out_of_the_runs_memory_is_the_limit_but_an_impossible_request_is_the_codes_error(
        sandbox: Sandbox) -> None:
    limits = SandboxLimits(timeout_s=60, memory_mb=1536)
    within = sandbox.run_source("import torch\nx = torch.empty(3 * 2**30, dtype=torch.uint8)\n", limits=limits)
    assert within.status == "limit" and "memory limit of 1536 MB" in within.detail
    impossible = sandbox.run_source("import torch\nx = torch.empty(2**52, dtype=torch.uint8)\n", limits=limits)
    assert impossible.status == "error" and "can't allocate memory" in impossible.error.message


def test_file_size_limit(sandbox: Sandbox) -> None:
    source = "with open('big.bin', 'wb') as f:\n    f.write(b'0' * 3_000_000)\n"
    result = sandbox.run_source(source, limits=SandboxLimits(max_file_mb=1))
    assert result.status == "limit"
    assert "file size limit of 1 MB" in result.detail


def test_fork_bomb_is_bounded_and_leaves_nothing_behind(sandbox: Sandbox) -> None:
    source = "import os\nprint(os.getcwd(), flush=True)\nwhile True:\n    os.fork()\n"
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=20, max_processes=32))
    assert result.status in ("limit", "timeout")
    assert result.detail
    _assert_no_strays(result)


def test_fork_bomb_that_leaves_the_process_group_is_still_killed(sandbox: Sandbox) -> None:
    source = textwrap.dedent("""
        import os, time
        print(os.getcwd(), flush=True)
        while True:
            try:
                if os.fork() == 0:
                    os.setsid()
            except OSError:
                time.sleep(0.01)
    """)
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=3, max_processes=32))
    assert result.status == "timeout"
    if "pidns" not in result.isolation:
        pytest.skip("without a pid namespace, processes that call setsid() can escape the group kill")
    _assert_no_strays(result)


def test_writes_outside_the_workdir_fail(sandbox: Sandbox, tmp_path: Path) -> None:
    marker = f"sandbox-escape-{uuid.uuid4().hex}"
    targets = [Path(tempfile.gettempdir()) / marker, Path.home() / marker, tmp_path / marker]
    source = textwrap.dedent(f"""
        import subprocess
        for target in {[str(t) for t in targets]!r}:
            try:
                open(target, "w").write("escaped")
                print("WROTE", target)
            except OSError as exc:
                print("denied", type(exc).__name__)
            subprocess.run(["sh", "-c", f"echo escaped > {{target}}"], stderr=subprocess.DEVNULL)
        open("inside.txt", "w").write("fine")
        print("inside ok")
    """)
    result = sandbox.run_source(source)
    if "landlock" not in result.isolation:
        if "unprivileged-user" not in result.isolation:
            pytest.skip("neither Landlock nor a privilege drop is available: writes are not confined here")
        targets = targets[1:]  # the run's user may still write world-writable places such as /tmp
    assert result.status == "ok", result.stderr
    assert "inside ok" in result.stdout
    for target in targets:
        assert f"WROTE {target}" not in result.stdout
        assert not target.exists()


def test_socket_to_host_loopback_fails(sandbox: Sandbox) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        source = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\nprint('CONNECTED')\n"
        result = sandbox.run_source(source, limits=SHORT)
        listener.settimeout(0.2)
        with pytest.raises(TimeoutError):
            listener.accept()
    if not {"netns", "landlock-net"} & set(result.isolation):
        pytest.skip("no network isolation available here")
    assert result.status == "error"
    assert result.error is not None
    assert result.error.type in ("OSError", "PermissionError", "ConnectionRefusedError", "TimeoutError")
    assert "CONNECTED" not in result.stdout


def test_output_flood_is_capped_and_stopped(sandbox: Sandbox) -> None:
    result = sandbox.run_source("import sys\nsys.stdout.write('x' * 100_000_000)\nprint('done')\n", limits=SHORT)
    assert result.status == "limit"
    assert "stdout flood" in result.detail
    assert result.stdout.startswith("x" * 64_000)
    assert "[sandbox: output truncated" in result.stdout
    assert len(result.stdout) < 64_000 + 200


def test_parent_environment_is_invisible(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("SANDBOX_TEST_SECRET", secret)
    # /proc/<pid>/environ shows a process's environment as it was at exec, so put the secret in a real one.
    holder = subprocess.Popen(["sleep", "30"], env={"SANDBOX_TEST_SECRET": secret})
    try:
        source = textwrap.dedent(f"""
            import os
            print(dict(os.environ))
            for pid in [{holder.pid}, {os.getpid()}] + [p for p in os.listdir("/proc") if p.isdigit()]:
                try:
                    print(open(f"/proc/{{pid}}/environ", "rb").read())
                except OSError as exc:
                    print(pid, type(exc).__name__)
        """)
        result = sandbox.run_source(source)
    finally:
        holder.kill()
        holder.wait()
    assert result.status == "ok", result.stderr
    assert "SANDBOX_TEST_SECRET" not in result.stdout + result.stderr  # the clean environment
    if not {"private-proc", "landlock", "unprivileged-user"} & set(result.isolation):
        pytest.skip("same user, no Landlock, no private /proc: other processes' environments are readable")
    assert secret not in result.stdout + result.stderr


def test_forged_report_on_inherited_fds_does_not_win(sandbox: Sandbox) -> None:
    source = textwrap.dedent("""
        import os
        fake = b'{"status": "ok", "error": null, "warnings": []}\\n'
        for fd in range(3, 64):
            try:
                os.write(fd, b"garbage" * 1000 + fake)
            except OSError:
                pass
        raise RuntimeError("the real outcome")
    """)
    result = sandbox.run_source(source)
    assert result.status == "error"
    assert result.error is not None and result.error.message == "the real outcome"


def test_segfault_is_reported_as_a_crash(sandbox: Sandbox) -> None:
    result = sandbox.run_source("import ctypes\nctypes.string_at(0)\n")
    assert result.status == "error"
    assert result.error is not None and result.error.type == "SIGSEGV"
    assert "Fatal Python error" in result.stderr  # faulthandler shows where it crashed


def _reader(paths: list[Path], list_parent: bool = True) -> str:
    """Code that tries every way to read each path: open, listing its directory, and a program it starts."""
    return textwrap.dedent(f"""
        import os, subprocess
        for path in {[str(p) for p in paths]!r}:
            attempts = [lambda: open(path).read()] + [lambda: os.listdir(os.path.dirname(path))] * {list_parent}
            for attempt in attempts:
                try:
                    print("READ", path, attempt())
                except OSError as exc:
                    print("denied", path, type(exc).__name__)
            subprocess.run(["cat", path], stderr=subprocess.DEVNULL)
    """)


def test_files_in_the_callers_home_are_unreadable(sandbox: Sandbox, tmp_path: Path) -> None:
    """A home-like directory outside the allowed paths, and as root a file directly in /root."""
    secret = f"secret-{uuid.uuid4().hex}"
    home_file = tmp_path / "home" / ".ssh" / "id_ed25519"
    home_file.parent.mkdir(parents=True)
    home_file.write_text(secret)
    targets = [home_file]
    if os.geteuid() == 0:
        targets.append(Path("/root") / f"sandbox-secret-{uuid.uuid4().hex}")
        targets[-1].write_text(secret)
    try:
        result = sandbox.run_source(_reader(targets))
    finally:
        if os.geteuid() == 0:
            targets[-1].unlink()
    if "landlock-read" not in result.isolation:
        assert "no-home-protection" in result.isolation
        pytest.skip("no Landlock here: the sandbox reports that the home is not protected")
    assert result.status == "ok", result.stderr
    assert secret not in result.stdout + result.stderr
    assert "READ" not in result.stdout
    assert result.stdout.count("denied") == 2 * len(targets)


def test_root_only_files_stay_unreadable(sandbox: Sandbox) -> None:
    """No capability survives the switch to the run's own uid, so the usual permissions hold below /etc and /dev."""
    targets = [Path(p) for p in ("/etc/shadow", "/dev/loop0") if os.path.exists(p) and not os.stat(p).st_mode & 0o004]
    if not targets:
        pytest.skip("no root-only file to try here")
    result = sandbox.run_source(_reader(targets, list_parent=False) + "print(open('/proc/self/status').read())")
    if "unprivileged-user" not in result.isolation and "userns" not in result.isolation:
        pytest.skip("the code runs as the caller, who may read these files anyway")
    assert result.status == "ok", result.stderr
    assert "READ" not in result.stdout
    assert "root:" not in result.stdout  # /etc/shadow's first line, had cat read it
    if "unprivileged-user" in result.isolation:
        assert "CapEff:\t0000000000000000" in result.stdout


def test_other_runs_work_directories_are_unreadable(sandbox: Sandbox) -> None:
    """Each run has a root of its own, whose /tmp holds only its work directory; Landlock denies even the listing."""
    probe = "import os, tempfile\nprint(os.listdir(os.path.dirname(os.getcwd())))\n"
    result = sandbox.run_source(probe)
    if "landlock-read" not in result.isolation:
        pytest.skip("no Landlock here")
    assert result.status == "error"
    assert result.error is not None and result.error.type == "PermissionError"
