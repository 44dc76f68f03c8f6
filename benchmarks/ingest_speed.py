"""Ingest throughput against the model's own `encode` on the same chunks, in one run.

    .venv/bin/python benchmarks/ingest_speed.py [--rounds 2] [--entries N]

The shipped corpus entries are ingested as a user's documents (so no shipped vectors are reused)
into a fresh index, and the same chunk texts are encoded by the sentence-transformers model in one
call (it sorts by length itself). Rounds alternate the two, so load from other processes on the
machine falls on both; the best round of each is compared. Prints chunks/s of both and the ratio
(the target is ingest ≥ 0.9× encode).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.corpus_vectors import corpus_chunks  # noqa: E402
from kb.embedding import SentenceTransformerEmbedder  # noqa: E402
from kb.ingest import ENCODE_BATCH, ingest, shipped_corpus_files  # noqa: E402
from kb.store import Store  # noqa: E402


def time_encode(embedder: SentenceTransformerEmbedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=ENCODE_BATCH, normalize_embeddings=True, convert_to_numpy=True)
    return time.perf_counter() - started


def time_ingest(embedder: SentenceTransformerEmbedder, files: list[tuple[Path, str]]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="kb-ingest-speed-") as home:
        store = Store.create(Path(home) / "index", model=embedder.name, dim=embedder.dim)
        started = time.perf_counter()
        report = ingest(store, files, embedder)
        elapsed = time.perf_counter() - started
        store.close()
    return elapsed, report.chunks_embedded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--entries", type=int, default=0, help="use only the first N corpus entries")
    args = parser.parse_args()
    corpus = shipped_corpus_files()[: args.entries or None]
    files = [(path, str(path.resolve())) for path, _ in corpus]  # user documents, not corpus/ sources
    texts = [chunk.text for chunk in corpus_chunks(corpus)]
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"] * 4)
    encode_s, ingest_s = [], []
    for _ in range(args.rounds):
        encode_s.append(time_encode(embedder, texts))
        elapsed, embedded = time_ingest(embedder, files)
        assert embedded == len(texts), (embedded, len(texts))
        ingest_s.append(elapsed)
        print(f"round: encode {encode_s[-1]:.1f} s, ingest {elapsed:.1f} s", flush=True)
    encode_rate, ingest_rate = len(texts) / min(encode_s), len(texts) / min(ingest_s)
    print(f"{len(files)} documents, {len(texts)} chunks")
    print(f"model encode: {encode_rate:.1f} chunks/s (best of {args.rounds})")
    print(f"kb ingest:    {ingest_rate:.1f} chunks/s (best of {args.rounds}; parse, chunk, embed, SQLite, FAISS)")
    print(f"ratio: {ingest_rate / encode_rate:.2f}x (target >= 0.9x)")


if __name__ == "__main__":
    main()
