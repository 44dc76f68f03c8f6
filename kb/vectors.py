"""The FAISS side of an index: which index type to build, and reading/writing it safely.

Exact search (a flat inner-product index) is the right answer while the corpus is small: it is
exact, needs no training and searches a few thousand vectors in microseconds. Past
`HNSW_THRESHOLD` vectors an HNSW graph keeps queries fast with a small recall loss
(`benchmarks/faiss_scale.py` measures both); `KB_FAISS_INDEX=flat|hnsw` overrides the choice.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

HNSW_THRESHOLD = 200_000
HNSW_NEIGHBOURS = 32
HNSW_SEARCH_DEPTH = 128
INDEX_KIND_ENV = "KB_FAISS_INDEX"

IndexKind = Literal["flat", "hnsw"]


def choose_index_kind(count: int) -> IndexKind:
    configured = os.environ.get(INDEX_KIND_ENV, "").strip().lower()
    if configured in ("flat", "hnsw"):
        return configured  # type: ignore[return-value]
    return "hnsw" if count >= HNSW_THRESHOLD else "flat"


def build_vector_index(ids: np.ndarray, vectors: np.ndarray, kind: IndexKind | None = None) -> faiss.Index:
    """An index over unit vectors searched by inner product, mapping back to chunk ids."""
    dim = vectors.shape[1]
    kind = kind or choose_index_kind(len(ids))
    if kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efSearch = HNSW_SEARCH_DEPTH
    else:
        inner = faiss.IndexFlatIP(dim)
    index = faiss.IndexIDMap2(inner)
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
    return index


def write_index_atomically(index: faiss.Index, path: Path) -> None:
    """Write beside the target, then rename: a reader sees the old file or the new one, never half."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    faiss.write_index(index, str(temporary))
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def search(index: faiss.Index, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    if index.ntotal == 0:
        return []
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), min(k, index.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
