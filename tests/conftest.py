from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.ingest import discover, ingest
from kb.store import Store

from tests.fakes import FakeEmbedder

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    """A writable copy of the fixture documents (one per user format)."""
    target = tmp_path / "docs"
    shutil.copytree(FIXTURES / "documents", target)
    return target


@pytest.fixture
def store(tmp_path: Path, embedder: FakeEmbedder, documents: Path) -> Store:
    store = Store.create(tmp_path / "index", model=embedder.name, dim=embedder.dim)
    files, _ = discover([documents])
    ingest(store, files, embedder)
    return store
