"""An index that cannot be used fails in one line that says what is wrong and how to go on: a
corrupt one, one on a read-only mount, one on a full disk (issue #8, items 12-14).

The read-only and full-disk cases use real mounts (a read-only bind mount, a tiny tmpfs), which
needs root, as the test machines run; each fixture removes its mount again."""

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.ingest import discover, ingest, open_default_index
from kb.store import DATABASE, CorruptIndexError, Store, StoreError, index_error

from tests.fakes import FakeEmbedder
from tests.test_cli import fake_model, kb  # noqa: F401 (fake_model: the autouse fixture, KB_HOME in tmp_path)
from tests.test_ingest import assert_consistent, make_docs

ERROR = "RuntimeError: running_mean should contain 50 elements not 256"
QUESTION = "where should BatchNorm go relative to ReLU?"


def assert_one_line_error(result, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert "Traceback" not in result.output


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


def unmount(path: Path) -> None:
    """Lazily: an engine the in-process CLI opened may still hold a file there until collected."""
    subprocess.run(["umount", "--lazy", str(path)], check=True, capture_output=True, text=True)


@pytest.fixture
def tiny_disk(tmp_path) -> Iterator[Path]:
    """A 256 KiB tmpfs: room for an empty index, not for the shipped corpus."""
    target = tmp_path / "tiny"
    target.mkdir()
    mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", str(target))
    yield target
    unmount(target)


@pytest.fixture
def read_only_view(tmp_path) -> Iterator[tuple[Path, Path]]:
    """(writable directory, a read-only bind mount of it)."""
    source, view = tmp_path / "rw", tmp_path / "ro"
    source.mkdir()
    view.mkdir()
    mount("--bind", str(source), str(view))
    try:
        mount("-o", "remount,bind,ro", str(view))
        yield source, view
    finally:
        unmount(view)


@pytest.fixture
def index(tmp_path, documents) -> Path:
    """A healthy index of the fixture documents and 60 more, closed (so SQLite has checkpointed)."""
    make_docs(documents / "more", 60, "epsilon")
    store = Store.create(tmp_path / "index", model="fake-bow", dim=64)
    ingest(store, discover([documents])[0], FakeEmbedder())
    store.close()
    return store.directory


def zero_middle_pages(database: Path) -> None:
    size = database.stat().st_size
    with open(database, "r+b") as handle:
        handle.seek(size * 2 // 5 // 4096 * 4096)
        handle.write(b"\0" * (size // 5))


# --- 12: a corrupt index ------------------------------------------------------------------------


@pytest.mark.parametrize("damage", [b"", b"\x8f\x13garbage" * 999, "other-dimension"])
def test_a_damaged_faiss_file_is_rebuilt_from_sqlite(index, damage):
    (faiss_file,) = index.glob("vectors.*.faiss")
    if damage == "other-dimension":
        from kb import vectors

        other = vectors.build_vector_index(vectors.np.arange(3), vectors.np.eye(3, 32, dtype="float32"), "flat")
        vectors.write_index_atomically(other, faiss_file)
    else:
        faiss_file.write_bytes(damage)
    result = kb("ask", "--index", str(index), "--json", "gradients accumulate across steps zero_grad")
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    store = Store.open(index)
    assert store.vector_index().ntotal == store.counts()[1] and store.vector_index().d == 64
    assert_consistent(store)


def test_zeroed_pages_in_the_database_are_one_line_with_how_to_rebuild(index):
    zero_middle_pages(index / DATABASE)
    with pytest.raises(CorruptIndexError, match="corrupt.*rebuild it"):
        Store.open(index)
    assert_one_line_error(kb("ask", "--index", str(index), ERROR), 3, "corrupt", "rebuild")


def test_a_non_integer_generation_is_corrupt(index):
    store = Store.open(index)
    store.set_meta("generation", "seven")
    store.close()
    assert_one_line_error(kb("ask", "--index", str(index), QUESTION), 3, "generation", "rebuild")


def test_a_corrupt_default_index_rebuilds_itself_and_keeps_the_damaged_copy(tmp_path):
    embedder = FakeEmbedder()
    store = open_default_index(embedder)
    shipped = store.counts()
    store.close()
    zero_middle_pages(store.directory / DATABASE)
    rebuilt = open_default_index(embedder)
    assert rebuilt.counts() == shipped
    assert_consistent(rebuilt)
    assert (tmp_path / "home" / "index.corrupt" / DATABASE).is_file()


# --- 13: a read-only mount ----------------------------------------------------------------------


def test_a_healthy_index_on_a_read_only_mount_answers(index, read_only_view):
    source, view = read_only_view
    for path in index.iterdir():
        (source / path.name).write_bytes(path.read_bytes())
    result = kb("ask", "--index", str(view), "--json", QUESTION)
    assert result.exit_code in (0, 1) and json.loads(result.stdout)["results"], result.output
    store = Store.open(view)
    assert store.lexical_search("accumulate") and store.vector_index().ntotal == store.counts()[1]
    with pytest.raises(StoreError, match="cannot write"):
        ingest(store, discover([index.parent / "docs"])[0], FakeEmbedder())
    store.close()


def test_an_empty_read_only_home_is_one_line(read_only_view, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(read_only_view[1]))
    assert_one_line_error(kb("ask", ERROR), 3, "cannot write", "KB_HOME")


# --- 14: a full disk ----------------------------------------------------------------------------


def test_a_first_run_on_a_full_disk_is_one_line_naming_it(tiny_disk, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tiny_disk))
    assert_one_line_error(kb("ask", ERROR), 3, "no space left", str(tiny_disk))


def test_an_ingest_that_does_not_fit_keeps_the_old_index(tiny_disk, tmp_path, documents):
    embedder = FakeEmbedder()
    store = Store.create(tiny_disk / "index", model=embedder.name, dim=embedder.dim)
    ingest(store, discover([documents])[0], embedder)
    before = store.sources()
    make_docs(tmp_path / "big", 400, "zeta")
    with pytest.raises(StoreError, match="no space left on the disk holding the index"):
        ingest(store, discover([tmp_path / "big"])[0], embedder, commit_chunks=100)
    store.close()
    reopened = Store.open(tiny_disk / "index")
    assert set(before) <= set(reopened.sources())
    assert_consistent(reopened)


def test_a_locked_index_is_not_called_corrupt(tmp_path):
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = sqlite3.SQLITE_BUSY
    message = str(index_error(busy, tmp_path))
    assert "locked" in message and "corrupt" not in message
