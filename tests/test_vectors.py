"""FAISS index choice: exact below the threshold, approximate above, overridable, and every kind
finds a stored vector as its own nearest neighbour."""

import numpy as np
import pytest

from kb import vectors


def unit_vectors(count: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    matrix = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_kind_is_chosen_by_size_and_can_be_overridden(monkeypatch):
    monkeypatch.delenv(vectors.INDEX_KIND_ENV, raising=False)
    assert vectors.choose_index_kind(100) == "flat"
    assert vectors.choose_index_kind(vectors.APPROXIMATE_THRESHOLD) == "ivf"
    assert vectors.choose_index_kind(100, configured="hnsw") == "hnsw"
    monkeypatch.setenv(vectors.INDEX_KIND_ENV, "flat")
    assert vectors.choose_index_kind(10**6, configured="hnsw") == "flat"


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_every_kind_finds_stored_vectors(kind):
    matrix = unit_vectors(3000)
    ids = np.arange(1000, 4000, dtype=np.int64)
    index = vectors.build_vector_index(ids, matrix, kind)
    found = [vectors.search(index, matrix[i], 5)[0][0] for i in range(0, 3000, 150)]
    assert found == [int(ids[i]) for i in range(0, 3000, 150)]


def test_written_index_reads_back(tmp_path):
    matrix = unit_vectors(50)
    index = vectors.build_vector_index(np.arange(50, dtype=np.int64), matrix, "flat")
    path = tmp_path / "vectors.1.faiss"
    vectors.write_index_atomically(index, path)
    assert vectors.faiss.read_index(str(path)).ntotal == 50
    assert not list(tmp_path.glob(".*.tmp"))
