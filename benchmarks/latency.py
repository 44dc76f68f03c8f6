"""How long `kb ask` takes, cold and through `kb serve`, where an in-process query spends its time,
and how fast the index builds; one run on the shipped corpus with the real model.

    python benchmarks/latency.py [--cold-runs 5] [--server-runs 50]

`kb ask` is run as `python -m assistant ask --json` (what the `kb` script runs). Rows:

- cold: a new `kb ask` process, no server, index built: an exact error, a question, a code snippet;
- via server, process: the same, with `kb serve` up for the index;
- via server, round trip: one request from an already running client (an editor plugin, or
  `kb ask --batch`) to the server, answer included;
- in process: the warm engine's time split into embedding the query, the FAISS search, and the
  rest (error signatures, BM25, rank fusion, composing the answer), each stage timed on its own by
  calling the pieces, so the code being measured carries no instrumentation.

Targets on two cores: a new `kb ask` process answered through the server costs at most twice a bare
`python -c pass` measured in the same run (the last lines print the ratio), a round trip under
30 ms at the median, a cold exact-error answer under 0.5 s, FAISS under 1 ms. Wall times depend on the machine's load; the CPU column of the
process rows (user + system time of the child) depends much less on it.
"""

from __future__ import annotations

import argparse
import os
import resource
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb import vectors  # noqa: E402
from kb.embedding import SentenceTransformerEmbedder  # noqa: E402
from kb.ingest import corpus_digest, ingest, shipped_corpus_files  # noqa: E402
from kb.store import Store  # noqa: E402

from assistant.interface import client  # noqa: E402
from assistant.answering.engine import Engine  # noqa: E402
from assistant.answering.query import ParsedQuery, parse_query  # noqa: E402
from assistant.answering.retrieval import CANDIDATES, EXACT_COVERAGE  # noqa: E402

QUERIES = {
    "exact error": "RuntimeError: running_mean should contain 50 elements not 256",
    "question": "where should batchnorm go relative to relu and pooling?",
    "code snippet": "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                    "        self.bn = nn.BatchNorm1d(256)\n    def forward(self, x):\n        return self.bn(x)\n",
}
KB_ASK = [sys.executable, "-m", "assistant", "ask", "--json"]


def median_ms(run: Callable[[], object], times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def process_times(command: list[str], environment: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of a new process running `command`."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, check=False)
        walls.append((time.perf_counter() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{command} failed: {result.stderr.decode()}")
    return statistics.median(walls), statistics.median(cpus)


def build_index(home: Path, embedder: SentenceTransformerEmbedder) -> tuple[Store, str]:
    store = Store.create(home / "index", model=embedder.name, dim=embedder.dim)
    files = shipped_corpus_files()
    started = time.perf_counter()
    report = ingest(store, files, embedder)
    seconds = time.perf_counter() - started
    store.set_meta("corpus_digest", corpus_digest(files))  # `kb ask` finds the default index current
    chunks = report.chunks_embedded
    return store, f"{len(report.added)} entries, {chunks} chunks in {seconds:.1f} s: {chunks / seconds:.1f} chunks/s"


def stage_times(engine: Engine, text: str, runs: int) -> dict[str, float | None]:
    """Embed, FAISS and the rest of an in-process answer, in ms; embed/FAISS None when skipped."""
    query = parse_query(text)
    total = median_ms(lambda: engine.ask(text, k=1), runs)
    if skips_dense_search(engine, query):
        return {"embed": None, "faiss": None, "rest": total, "total": total}
    vector = engine.embedder.embed([query.search_text])[0]
    index = engine.store.vector_index()
    embed = median_ms(lambda: engine.embedder.embed([query.search_text]), runs)
    faiss = median_ms(lambda: vectors.search(index, vector, CANDIDATES), runs)
    return {"embed": embed, "faiss": faiss, "rest": max(total - embed - faiss, 0.0), "total": total}


def skips_dense_search(engine: Engine, query: ParsedQuery) -> bool:
    """The retriever's own rule: an error pattern that covers nearly all of the message."""
    _, matches = engine.retriever.focus(query)
    return bool(matches) and matches[0][1].coverage >= EXACT_COVERAGE


def start_server(environment: dict[str, str]) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], env=environment, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([server.stdout], [], [], 300)
    line = server.stdout.readline() if ready else ""
    if not line.startswith("listening on unix:"):
        server.kill()
        raise SystemExit(f"kb serve did not start: {line!r}")
    return server, line.removeprefix("listening on unix:").strip()


def cell(value: float | None) -> str:
    if value is None:
        return f"{'skipped':>10}"
    return f"{value:10.1f}" if value >= 1 else f"{value:10.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--server-runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-latency-") as directory:
        home = Path(directory)
        environment = {**os.environ, "KB_HOME": str(home)}
        environment.pop(client.SERVER_ENV, None)
        embedder = SentenceTransformerEmbedder()
        embedder.embed(["load the model"])
        store, build = build_index(home, embedder)
        engine = Engine(store, embedder)
        stages = {label: stage_times(engine, text, args.server_runs) for label, text in QUERIES.items()}
        python = process_times([sys.executable, "-c", "pass"], environment, args.cold_runs)
        cold = {label: process_times(KB_ASK + [text], environment, args.cold_runs) for label, text in QUERIES.items()}
        server, socket_path = start_server(environment)
        try:
            served = {label: process_times(KB_ASK + [text], environment, args.cold_runs) for label, text in QUERIES.items()}
            request = {"type": "ask", "k": 1, "index": str((home / "index").resolve())}
            trips = {label: median_ms(lambda text=text: client.request(socket_path, {**request, "q": text}),
                                      args.server_runs) for label, text in QUERIES.items()}
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    print(f"index build: {build}\n")
    print(f"{'median, ms':<36}" + "".join(f"{label:>14}" for label in QUERIES))
    rows = [
        ("cold kb ask, wall", [cold[q][0] for q in QUERIES]),
        ("cold kb ask, CPU", [cold[q][1] for q in QUERIES]),
        ("kb ask via server, wall", [served[q][0] for q in QUERIES]),
        ("kb ask via server, CPU", [served[q][1] for q in QUERIES]),
        ("via server, round trip", [trips[q] for q in QUERIES]),
        ("in process: embed", [stages[q]["embed"] for q in QUERIES]),
        ("in process: FAISS search", [stages[q]["faiss"] for q in QUERIES]),
        ("in process: signatures, BM25, fusion", [stages[q]["rest"] for q in QUERIES]),
        ("in process: total", [stages[q]["total"] for q in QUERIES]),
    ]
    for label, values in rows:
        print(f"{label:<36}" + "".join(f"    {cell(v)}" for v in values))
    print(f"\nfor scale, a bare `python -c pass`: {python[0]:.0f} ms wall, {python[1]:.0f} ms CPU")
    served_wall = max(served[q][0] for q in QUERIES)
    served_cpu = max(served[q][1] for q in QUERIES)
    print(f"kb ask via server / python -c pass, slowest query: {served_wall / python[0]:.2f}x wall, "
          f"{served_cpu / max(python[1], 1e-9):.2f}x CPU (target: at most 2x)")
    print(f"{args.cold_runs} runs per process row, {args.server_runs} per in-process and round-trip row; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
