"""The FAISS side of an index: which index type to build, and reading/writing it safely.

Exact search (a flat inner-product index) is the right answer while the corpus is small: it is
exact, needs no training and rebuilds instantly. Its query time grows with the corpus, though
(measured on two cores: 0.6 ms at 10k vectors, 18-36 ms at 100k), so past `APPROXIMATE_THRESHOLD`
vectors, where it leaves the 1 ms budget, an IVF index takes over. It scans only the `IVF_PROBES`
lists nearest the query: 0.75 ms at 100k and 2.4 ms at 1M vectors, with recall@10 of 1.00 on the
clustered benchmark data, where an HNSW graph recalled 0.97 and 0.83 and took 5-10 times longer to
build (42 s against 9 s at 100k, 17 min against 97 s at 1M). Build time counts, because the index
is rebuilt after every ingest. benchmarks/faiss_scale.py measures all three;
`KB_FAISS_INDEX=flat|ivf|hnsw`, or `kb ingest --faiss-index`, overrides the choice.

Queries are searched on one OpenMP thread: one query is too little work to share, and on a busy
machine the threads' start-up and waiting cost tens of milliseconds (measured on two cores).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

APPROXIMATE_THRESHOLD = 20_000
IVF_PROBES = 16
IVF_TRAINING_PER_LIST = 64
IVF_MIN_PER_LIST = 39
HNSW_NEIGHBOURS = 32
HNSW_SEARCH_DEPTH = 128
INDEX_KIND_ENV = "KB_FAISS_INDEX"

IndexKind = Literal["flat", "ivf", "hnsw"]
INDEX_KINDS: tuple[IndexKind, ...] = ("flat", "ivf", "hnsw")


def choose_index_kind(count: int, configured: str | None = None) -> IndexKind:
    """KB_FAISS_INDEX when set, else the kind chosen for this index at ingest, else by size."""
    for choice in (os.environ.get(INDEX_KIND_ENV), configured):
        choice = (choice or "").strip().lower()
        if choice in INDEX_KINDS:
            return choice  # type: ignore[return-value]
    return "ivf" if count >= APPROXIMATE_THRESHOLD else "flat"


def ivf_lists(count: int) -> int:
    """About √n lists, each holding ~√n vectors, so a query scans IVF_PROBES·√n of them; never so
    many that k-means has fewer than IVF_MIN_PER_LIST points per list (FAISS warns below that)."""
    return max(1, min(round(math.sqrt(count)), count // IVF_MIN_PER_LIST))


def build_vector_index(ids: np.ndarray, vectors: np.ndarray, kind: IndexKind | None = None) -> faiss.Index:
    """An index over unit vectors searched by inner product, mapping back to chunk ids."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    kind = kind or choose_index_kind(len(ids))
    if kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
    elif kind == "ivf" and len(ids) >= IVF_MIN_PER_LIST:  # fewer would be one list: a flat index
        inner = faiss.index_factory(dim, f"IVF{ivf_lists(len(ids))},Flat", faiss.METRIC_INNER_PRODUCT)
        inner.train(_training_sample(vectors, inner.nlist))
    else:
        inner = faiss.IndexFlatIP(dim)
    index = _tuned(faiss.IndexIDMap2(inner))
    if len(ids):
        index.add_with_ids(vectors, ids.astype(np.int64))
    return index


def read_index(path: Path) -> faiss.Index:
    return _tuned(faiss.read_index(str(path)))


def write_index_atomically(index: faiss.Index, path: Path) -> None:
    """Write beside the target, then rename: a reader sees the old file or the new one, never half.
    A failed write (a full disk, a read-only directory) raises OSError and leaves no partial file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        try:
            faiss.write_index(index, str(temporary))
        except RuntimeError as error:  # FAISS reports its I/O failures as RuntimeError
            raise OSError(f"cannot write {path}: {error}") from None
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError:
        with suppress(OSError):  # in a read-only directory there is nothing to remove
            temporary.unlink(missing_ok=True)
        raise


def search(index: faiss.Index, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    if index.ntotal == 0:
        return []
    with _openmp_threads(1):
        scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), min(k, index.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def _tuned(index: faiss.Index) -> faiss.Index:
    """Search-time settings are applied on every load, so a file written by an older kb uses today's."""
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    if isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efSearch = HNSW_SEARCH_DEPTH
    elif isinstance(inner, faiss.IndexIVF):
        inner.nprobe = IVF_PROBES
    return index


def _training_sample(vectors: np.ndarray, lists: int) -> np.ndarray:
    """A fixed-seed sample (so a rebuild of the same vectors gives the same index), large enough
    for k-means and small enough that training stays a fraction of the build."""
    size = min(len(vectors), lists * IVF_TRAINING_PER_LIST)
    chosen = np.random.default_rng(0).choice(len(vectors), size, replace=False)
    return vectors[np.sort(chosen)]


@contextmanager
def _openmp_threads(count: int) -> Iterator[None]:
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)
