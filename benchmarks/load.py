"""A burst of concurrent asks against `kb serve` on a loopback port: are they all answered, how fast,
with how many server threads, and are idle connections closed?

    python benchmarks/load.py [--connections 1000] [--idle-timeout 5] [--limit-s 90] [--index DIR]

The server runs on --index, else on the default index of a temporary KB_HOME (built from the
shipped corpus on first use, which takes minutes), and listens on 127.0.0.1 only. Each of the N connections opens at the same moment and
sends one exact-error ask, each with its own numbers, so no two requests are the same text; the
latency of a request runs from opening its connection to reading its reply. Then N connections are
opened and left silent, and the script counts how many the server has closed once its idle
timeout has passed. Everything is bounded: N connections, and --limit-s seconds per phase.

Targets: all N answered, p95 at most 2 s, server threads bounded (not one per connection), every
idle connection closed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "RuntimeError: running_mean should contain {} elements not {}"


def start_server(home: Path, index: Path | None, idle_timeout: float) -> tuple[subprocess.Popen, tuple[str, int]]:
    environment = {**os.environ, "KB_HOME": str(home)}
    environment.pop("KB_SERVER", None)
    command = [sys.executable, "-m", "assistant", "serve", "--tcp", "127.0.0.1:0", "--idle-timeout", str(idle_timeout)]
    command += ["--index", str(index)] if index else []
    server = subprocess.Popen(command, env=environment, cwd=ROOT, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([server.stdout], [], [], 600)
    line = server.stdout.readline() if ready else ""
    if not line.startswith("listening on tcp:"):
        server.kill()
        raise SystemExit(f"kb serve did not start: {line!r}")
    host, port = line.removeprefix("listening on tcp:").strip().rsplit(":", 1)
    return server, (host, int(port))


def cpu_seconds_of(process: subprocess.Popen) -> float:
    """User + system CPU time the process has used (load on the machine does not inflate it)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def threads_of(process: subprocess.Popen) -> int:
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])


async def one_ask(address: tuple[str, int], number: int) -> float | None:
    """Seconds from connecting to the reply, or None when no answer came."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(*address)
        request = {"type": "ask", "q": TEMPLATE.format(number % 997 + 2, number // 997 + 3), "k": 1}
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        reply = json.loads(await reader.readline())
        writer.close()
    except (OSError, ValueError):
        return None
    return time.perf_counter() - started if "match" in reply else None


async def burst(address: tuple[str, int], count: int, limit_s: float, server: subprocess.Popen) -> dict:
    peak_threads = 0

    async def watch_threads() -> None:
        nonlocal peak_threads
        while True:
            peak_threads = max(peak_threads, threads_of(server))
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch_threads())
    tasks = [asyncio.create_task(one_ask(address, number)) for number in range(count)]
    done, pending = await asyncio.wait(tasks, timeout=limit_s)
    watcher.cancel()
    for task in pending:
        task.cancel()
    latencies = sorted(t.result() for t in done if t.result() is not None)
    return {"answered": len(latencies), "latencies": latencies, "threads": peak_threads}


async def idle(address: tuple[str, int], count: int, idle_timeout: float, limit_s: float) -> tuple[int, int]:
    """(opened, closed by the server within the idle timeout plus a margin)."""
    connections = []
    for _ in range(count):
        try:
            connections.append(await asyncio.open_connection(*address))
        except OSError:
            break
    closed = await asyncio.wait_for(
        asyncio.gather(*(reader.read(1) for reader, _ in connections), return_exceptions=True),
        timeout=min(limit_s, idle_timeout * 3 + 5))
    for _, writer in connections:
        writer.close()
    return len(connections), sum(result == b"" for result in closed)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--idle-timeout", type=float, default=5.0)
    parser.add_argument("--limit-s", type=float, default=90.0)
    parser.add_argument("--index", type=Path, help="an index to serve (default: a new one from the shipped corpus)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.connections + 64)), hard))
    with tempfile.TemporaryDirectory(prefix="kb-load-") as directory:
        server, address = start_server(Path(directory), args.index, args.idle_timeout)
        try:
            idle_threads, cpu_before = threads_of(server), cpu_seconds_of(server)
            result = asyncio.run(burst(address, args.connections, args.limit_s, server))
            cpu_per_ask = (cpu_seconds_of(server) - cpu_before) / max(result["answered"], 1)
            opened, closed = asyncio.run(idle(address, args.connections, args.idle_timeout, args.limit_s))
            after = threads_of(server)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    latencies = result["latencies"]
    print(f"{args.connections} concurrent asks over loopback TCP: {result['answered']} answered within "
          f"{args.limit_s:.0f} s; latency p50 {statistics.median(latencies) if latencies else float('nan'):.2f} s, "
          f"p95 {percentile(latencies, 0.95):.2f} s, max {latencies[-1] if latencies else float('nan'):.2f} s")
    print(f"server CPU per answered ask: {cpu_per_ask * 1000:.1f} ms (so at best {1 / cpu_per_ask:.0f} asks/s "
          f"on a free core)")
    print(f"server threads: {idle_threads} before, at most {result['threads']} during the burst, {after} after")
    print(f"idle connections: {opened} opened, {closed} closed by the server after its {args.idle_timeout:g} s "
          f"idle timeout")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
