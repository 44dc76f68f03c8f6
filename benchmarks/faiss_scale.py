"""Which FAISS index type pays off past which corpus size, on synthetic embeddings.

    python benchmarks/faiss_scale.py                      # 10k and 100k vectors (a few minutes)
    python benchmarks/faiss_scale.py --million            # and 1M with flat and IVF (+~10 min)
    python benchmarks/faiss_scale.py --million --hnsw-million   # and a 1M HNSW graph (slow to build)

The vectors stand in for chunk embeddings (dim 384, unit length): topics, subtopics within them,
and points scattered around the subtopics, so that nearest neighbours are close but not trivially
separated. Queries are drawn the same way and are not in the index. For each size and index type
(built and searched through kb.vectors, exactly as the project does) it prints the build time,
recall@10 against exact search, and the latency of one query at a time (p50/p95), and which type
kb.vectors.choose_index_kind picks at that size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb import vectors  # noqa: E402

DIM = 384
K = 10


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def synthetic(count: int, rng: np.random.Generator) -> np.ndarray:
    """Topics (count/2000), subtopics around them (count/40), points around the subtopics; each
    level a noisy copy of the one above, normalised, in chunks so 1M points fit in memory easily."""
    topics = unit(rng.standard_normal((max(5, count // 2000), DIM)))
    subtopics = unit(topics[rng.integers(0, len(topics), max(25, count // 40))]
                     + 0.9 * rng.standard_normal((max(25, count // 40), DIM)) / np.sqrt(DIM))
    points = np.empty((count, DIM), dtype=np.float32)
    for start in range(0, count, 100_000):
        size = min(100_000, count - start)
        centre = subtopics[rng.integers(0, len(subtopics), size)]
        points[start:start + size] = unit(centre + 0.8 * rng.standard_normal((size, DIM)) / np.sqrt(DIM))
    return points


def query_times(index, queries: np.ndarray) -> tuple[list[list[int]], list[float]]:
    found, times = [], []
    for query in queries:
        started = time.perf_counter()
        hits = vectors.search(index, query, K)
        times.append((time.perf_counter() - started) * 1000)
        found.append([i for i, _ in hits])
    return found, times


def recall(found: list[list[int]], exact: list[list[int]]) -> float:
    return statistics.fmean(len(set(a) & set(b)) / K for a, b in zip(found, exact))


def measure(count: int, kinds: list[str], queries_n: int, rng: np.random.Generator) -> list[str]:
    data = synthetic(count + queries_n, rng)
    queries, base = data[:queries_n], data[queries_n:]
    ids = np.arange(count, dtype=np.int64)
    rows, exact = [], None
    for kind in kinds:
        started = time.perf_counter()
        index = vectors.build_vector_index(ids, base, kind)  # type: ignore[arg-type]
        build_s = time.perf_counter() - started
        found, times = query_times(index, queries)
        exact = exact if exact is not None else found  # flat is measured first: it is exact
        times.sort()
        rows.append(f"{count:>9,}  {kind:<5} {build_s:9.1f} s  {recall(found, exact):8.3f}  "
                    f"{times[len(times) // 2]:8.3f} ms  {times[int(len(times) * .95)]:8.3f} ms")
        print(rows[-1], flush=True)
        del index
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--million", action="store_true", help="also 1,000,000 vectors, flat and IVF")
    parser.add_argument("--hnsw-million", action="store_true", help="with --million, also build a 1M HNSW graph")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    plan = [(10_000, ["flat", "ivf", "hnsw"]), (100_000, ["flat", "ivf", "hnsw"])]
    if args.million:
        plan.append((1_000_000, ["flat", "ivf"] + (["hnsw"] if args.hnsw_million else [])))
    print(f"IVF: ~sqrt(n) lists, nprobe {vectors.IVF_PROBES}; HNSW: M {vectors.HNSW_NEIGHBOURS}, "
          f"efSearch {vectors.HNSW_SEARCH_DEPTH}; one query at a time, {args.queries} queries")
    print(f"{'vectors':>9}  {'type':<5} {'build':>11}  {'recall@10':>8}  {'p50':>11}  {'p95':>11}")
    started = time.perf_counter()
    for count, kinds in plan:
        measure(count, kinds, args.queries, rng)
    print(f"\nchosen automatically (KB_FAISS_INDEX unset): " + ", ".join(
        f"{n:,} -> {vectors.choose_index_kind(n)}" for n in (1_000, 10_000, vectors.APPROXIMATE_THRESHOLD, 100_000, 1_000_000)))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
