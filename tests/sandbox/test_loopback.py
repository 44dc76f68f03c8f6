"""SandboxLimits(loopback=True): processes of one run talk over 127.0.0.1 (gloo), and still nothing outside.

Every test runs cold and warm (see conftest.py).
"""

from __future__ import annotations

import socket
import textwrap
from types import ModuleType

import pytest

from assistant.sandbox import SandboxLimits, WarmSandbox

Sandbox = ModuleType | WarmSandbox
LOOPBACK = SandboxLimits(timeout_s=120, loopback=True)

ALL_REDUCE = textwrap.dedent("""
    import os
    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp

    def work(rank, world):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:29511", rank=rank, world_size=world)
        total = torch.tensor([rank + 1.0])
        dist.all_reduce(total)
        if rank == 0:
            print("sum", total.item())
        dist.destroy_process_group()

    if __name__ == "__main__":
        mp.spawn(work, args=(2,), nprocs=2)
""")


def test_two_gloo_processes_all_reduce_over_the_runs_loopback(sandbox: Sandbox) -> None:
    result = sandbox.run_source(ALL_REDUCE, limits=LOOPBACK)
    assert result.status == "ok", result.stderr[-3000:]
    assert result.stdout == "sum 3.0\n"
    assert "loopback" in result.isolation and "netns" in result.isolation


def test_without_the_option_loopback_stays_down(sandbox: Sandbox) -> None:
    source = "import socket\nsocket.socket().bind(('127.0.0.1', 0))\n"
    result = sandbox.run_source(source, limits=SandboxLimits(timeout_s=20))
    assert result.status == "error"
    assert "loopback" not in result.isolation


def test_the_hosts_loopback_stays_out_of_reach(sandbox: Sandbox) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        source = textwrap.dedent(f"""
            import socket
            server = socket.create_server(("127.0.0.1", {port}))  # the run's own loopback: free
            for host in ("127.0.0.1", "10.0.0.1", "8.8.8.8"):
                try:
                    socket.create_connection((host, {port} if host == "127.0.0.1" else 53), timeout=2).close()
                    print("reached", host)
                except OSError as exc:
                    print("unreachable", host, type(exc).__name__)
            server.close()
        """)
        result = sandbox.run_source(source, limits=LOOPBACK)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert result.status == "ok", result.stderr
    assert result.stdout.splitlines()[0] == "reached 127.0.0.1"  # its own listener, not the host's
    assert "reached 10.0.0.1" not in result.stdout and "reached 8.8.8.8" not in result.stdout
