"""The warm worker: forks stay confined like cold runs, serve threads, survive a dead worker and leave none behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.sandbox import SandboxLimits, WarmSandbox, run_source

PROJECT = Path(__file__).resolve().parents[2]


def _workers_of(parent: int) -> set[int]:
    """Pids of warm workers started by the process `parent`."""
    found = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                ppid = int(stat.read().rpartition(")")[2].split()[1])
                if ppid == parent and b"zygote.py" in cmdline.read():
                    found.add(int(entry))
        except (OSError, ValueError):
            continue
    return found


def _wait_gone(pids: set[int], seconds: float = 15.0) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = {pid for pid in pids if os.path.exists(f"/proc/{pid}") and not _is_zombie(pid)}
        if not pids:
            break
        time.sleep(0.1)
    return pids


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def test_runs_are_forked_with_torch_loaded_and_confined_like_cold_ones(warm_sandbox: WarmSandbox) -> None:
    probe = "import sys\nprint('torch' in sys.modules)\n"
    warm, cold = warm_sandbox.run_source(probe), run_source(probe)
    assert (warm.stdout, cold.stdout) == ("True\n", "False\n")
    assert warm.isolation == cold.isolation


def test_concurrent_runs_from_threads_keep_their_own_results(warm_sandbox: WarmSandbox) -> None:
    source = "import os, sys\nprint(sys.stdin.read(), os.getcwd())\nraise SystemExit(1)\n"
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda n: warm_sandbox.run_source(source, stdin=f"run-{n}"), range(6)))
    assert [r.stdout.split()[0] for r in results] == [f"run-{n}" for n in range(6)]
    assert len({r.stdout.split()[1] for r in results}) == 6  # a work directory each
    assert all(r.status == "error" and r.error is not None and r.error.message == "1" for r in results)


def test_a_worker_that_dies_mid_run_costs_a_cold_rerun_and_is_replaced() -> None:
    source = "import time, sys\ntime.sleep(1.5)\nprint('torch' in sys.modules)\n"
    before = _workers_of(os.getpid())
    with WarmSandbox() as sandbox:
        assert sandbox.run_source("pass").status == "ok"  # the worker is up
        (worker,) = _workers_of(os.getpid()) - before
        outcome: list = []
        runner = threading.Thread(target=lambda: outcome.append(sandbox.run_source(source)))
        runner.start()
        time.sleep(0.7)
        os.kill(worker, signal.SIGKILL)
        runner.join()
        assert outcome[0].status == "ok", outcome[0].stderr
        assert outcome[0].stdout == "False\n"  # rerun cold
        assert sandbox.run_source("import sys\nprint('torch' in sys.modules)\n").stdout == "True\n"  # a new worker


def test_close_stops_the_worker() -> None:
    before = _workers_of(os.getpid())
    sandbox = WarmSandbox()
    sandbox.run_source("pass")
    started = _workers_of(os.getpid()) - before
    assert len(started) == 1
    sandbox.close()
    assert not _wait_gone(started)
    assert sandbox.run_source("print('cold')").stdout == "cold\n"  # closed: runs go cold


@pytest.mark.parametrize("ending", ["returns", "is killed"])
def test_the_worker_exits_with_its_caller(ending: str) -> None:
    script = textwrap.dedent(f"""
        import os, signal, sys
        from assistant.sandbox import WarmSandbox
        sandbox = WarmSandbox()
        assert sandbox.run_source("pass").status == "ok"
        print(os.getpid(), flush=True)
        sys.stdin.readline()  # until the test has found the worker
        if {ending == "is killed"!r}:
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    with subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as caller:
        assert caller.stdin is not None and caller.stdout is not None
        workers = _workers_of(int(caller.stdout.readline()))
        caller.stdin.write("go\n")
        caller.stdin.flush()
        caller.wait(timeout=60)
    assert len(workers) == 1
    assert not _wait_gone(workers)


def test_limits_apply_to_the_forked_child_alone(warm_sandbox: WarmSandbox) -> None:
    """The worker's own CPU time and memory do not count against the run."""
    result = warm_sandbox.run_source("import torch\nprint(torch.ones(3).sum().item())\n",
                                     limits=SandboxLimits(cpu_s=1, memory_mb=1024))
    assert result.status == "ok", result.detail
    assert result.stdout == "3.0\n"
