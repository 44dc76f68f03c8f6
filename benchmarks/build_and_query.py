"""Index build time and per-query latency on the shipped corpus.

    python benchmarks/build_and_query.py [--cold-runs 5]

Prints: model load time, index build time (chunks, chunks/s), in-process query latency p50/p95
with the model loaded (over the dev query set, or a built-in list without it), and the wall time
of a cold `kb ask` process (new interpreter, index already built) for an exact error and for a
question.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.embedding import SentenceTransformerEmbedder  # noqa: E402
from kb.ingest import corpus_digest, ingest, shipped_corpus_files  # noqa: E402
from kb.store import Store  # noqa: E402

from assistant.answering.engine import Engine  # noqa: E402

FALLBACK_QUERIES = [
    "RuntimeError: running_mean should contain 50 elements not 256",
    "ValueError: Expected more than 1 value per channel when training, got input size torch.Size([1, 64])",
    "where should batchnorm go relative to relu and pooling?",
    "how do I normalise a [batch, time, channels] tensor?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_queries() -> list[str]:
    devset = ROOT / "benchmarks" / "devset.jsonl"
    if devset.is_file():
        return [json.loads(line)["q"] for line in devset.read_text().splitlines() if line.strip()]
    return FALLBACK_QUERIES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="kb-bench-"))

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"])
    load_s = time.perf_counter() - started

    store = Store.create(home / "index", model=embedder.name, dim=embedder.dim)
    started = time.perf_counter()
    report = ingest(store, shipped_corpus_files(), embedder)
    build_s = time.perf_counter() - started
    chunks = report.chunks_embedded
    print(f"model load            {load_s:8.2f} s")
    print(f"index build           {build_s:8.2f} s  ({len(report.added)} entries, {chunks} chunks, {chunks / build_s:.0f} chunks/s)")

    engine = Engine(store, embedder)
    queries = load_queries()
    timings = []
    for query in queries:
        started = time.perf_counter()
        engine.ask(query, k=3)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"warm query ({len(queries)} queries)  p50 {percentile(timings, .5):6.1f} ms   p95 {percentile(timings, .95):6.1f} ms")

    environment = dict(os.environ, KB_HOME=str(home.parent / (home.name + "-cold")))
    default_index = Path(environment["KB_HOME"]) / "index"
    default_index.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(home / "index", default_index)
    store.set_meta("corpus_digest", corpus_digest(shipped_corpus_files()))
    for label, query in (("exact error", FALLBACK_QUERIES[0]), ("question", FALLBACK_QUERIES[2])):
        walls = []
        for _ in range(args.cold_runs):
            started = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", query], env=environment,
                                 cwd=ROOT, capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - started)
            if run.returncode > 1 or not json.loads(run.stdout)["results"]:  # a timing of a failure is no timing
                raise SystemExit(f"cold kb ask failed ({run.returncode}): {run.stderr.strip()}")
        print(f"cold kb ask, {label:11s}  p50 {percentile(walls, .5):6.2f} s   p95 {percentile(walls, .95):6.2f} s")


if __name__ == "__main__":
    main()
