"""The corpus vectors shipped in the package: current for the corpus and the model (CI catches a
corpus change that was not followed by a rebuild), installed with the package, and used by a first
index build only where they are right."""

import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from kb import corpus_vectors
from kb.corpus_vectors import BUILD_COMMAND, ShippedVectors, corpus_chunks
from kb.embedding import SentenceTransformerEmbedder
from kb.ingest import CORPUS_PREFIX, ingest, shipped_corpus_files
from kb.store import Store

from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.mark.model
def test_shipped_vectors_are_current_for_the_corpus_and_the_model(model):
    problems = corpus_vectors.staleness(shipped_corpus_files(), ShippedVectors.load(), model.name, model.dim)
    assert not problems, f"the shipped corpus vectors are stale ({'; '.join(problems)}): run `{BUILD_COMMAND}`"


@pytest.mark.model
def test_shipped_vectors_are_what_the_model_computes(model):
    shipped = ShippedVectors.load()
    assert shipped is not None and shipped.agrees_with(model), f"rebuild them: run `{BUILD_COMMAND}`"
    sample = corpus_chunks(shipped_corpus_files())[::97]
    live = model.embed([chunk.text for chunk in sample])
    stored = np.stack([shipped.vector(chunk.text) for chunk in sample])
    assert np.min(np.sum(live * stored, axis=1)) > 0.999, f"rebuild them: run `{BUILD_COMMAND}`"


def test_the_package_installs_the_shipped_vectors():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["kb"]
    installed = {path.relative_to(ROOT / "kb").as_posix() for pattern in package_data for path in (ROOT / "kb").glob(pattern)}
    assert {f"data/{corpus_vectors.MATRIX_FILE}", f"data/{corpus_vectors.MANIFEST_FILE}"} <= installed


@pytest.fixture
def corpus(tmp_path) -> list[tuple[Path, str]]:
    """A copy of six shipped entries, as (path, source) like the shipped corpus."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path, _ in shipped_corpus_files()[:6]:
        shutil.copy(path, folder)
    return [(path, CORPUS_PREFIX + path.name) for path in sorted(folder.glob("*.md"))]


def shipped_for(corpus, embedder, directory: Path) -> ShippedVectors:
    corpus_vectors.write(*corpus_vectors.build(corpus, embedder), directory)
    return ShippedVectors.load(directory)


def test_building_twice_writes_the_same_bytes(corpus, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    shipped_for(corpus, FakeEmbedder(), first)
    shipped_for(corpus, FakeEmbedder(), second)
    for name in (corpus_vectors.MATRIX_FILE, corpus_vectors.MANIFEST_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_a_rebuild_embeds_only_changed_chunks_and_writes_what_a_full_build_would(corpus, tmp_path):
    previous = shipped_for(corpus, FakeEmbedder(), tmp_path / "before")
    edited = corpus[1][0]
    edited.write_text(edited.read_text() + "\n## Also\n\nA new closing section.\n")
    embedder = FakeEmbedder()
    corpus_vectors.write(*corpus_vectors.build(corpus, embedder, previous=previous), tmp_path / "incremental")
    assert embedder.embedded == 1 + 1 + 1  # the probe to trust `previous`, the new chunk, the probe row
    shipped_for(corpus, FakeEmbedder(), tmp_path / "full")
    for name in (corpus_vectors.MATRIX_FILE, corpus_vectors.MANIFEST_FILE):
        assert (tmp_path / "incremental" / name).read_bytes() == (tmp_path / "full" / name).read_bytes()


def test_a_first_build_embeds_only_the_chunks_that_changed(corpus, tmp_path):
    embedder = FakeEmbedder()
    shipped = shipped_for(corpus, embedder, tmp_path / "data")
    changed_path = corpus[2][0]
    changed_path.write_text(changed_path.read_text().replace("## ", "## Revised: ", 1))
    assert corpus_vectors.staleness(corpus, shipped, embedder.name, embedder.dim)
    store = Store.create(tmp_path / "index", model=embedder.name, dim=embedder.dim)
    report = ingest(store, corpus, embedder, shipped=shipped)
    stale = [c for c in corpus_chunks(corpus) if not shipped.covers(c.text)]
    assert 0 < report.chunks_embedded == len(stale) < report.chunks_embedded + report.chunks_reused
    assert {c.source for c in stale} == {corpus[2][1]}
    stored = np.frombuffer(b"".join(r[0] for r in store.db.execute("SELECT vector FROM chunks ORDER BY source, ordinal")),
                           dtype=np.float32).reshape(-1, embedder.dim)
    expected = embedder.embed([c.text for c in corpus_chunks(corpus)])
    assert np.min(np.sum(stored * expected, axis=1)) > 0.999


def test_vectors_of_another_model_are_not_used(corpus, tmp_path):
    shipped = shipped_for(corpus, FakeEmbedder(), tmp_path / "data")
    other = FakeEmbedder()
    other.name = "another-model"
    store = Store.create(tmp_path / "index", model=other.name, dim=other.dim)
    report = ingest(store, corpus, other, shipped=shipped)
    assert report.chunks_reused == 0 and report.chunks_embedded == len(corpus_chunks(corpus))


def test_missing_or_damaged_shipped_files_read_as_none(corpus, tmp_path):
    assert ShippedVectors.load(tmp_path / "nowhere") is None
    shipped_for(corpus, FakeEmbedder(), tmp_path / "data")
    (tmp_path / "data" / corpus_vectors.MATRIX_FILE).write_bytes(b"\x93NUMPY garbage")
    assert ShippedVectors.load(tmp_path / "data") is None
    problems = corpus_vectors.staleness(corpus, None, "fake-bow", 64)
    assert problems and "no readable" in problems[0]
