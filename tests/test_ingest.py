import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.ingest import discover, ingest, remove
from kb.store import Store, StoreError

from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]

WORKER = """
import sys
from pathlib import Path
from kb.ingest import discover, ingest
from kb.store import Store
from tests.fakes import FakeEmbedder
index, folder, delay, batch = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
embedder = FakeEmbedder(delay_s=delay)
store = Store.create(index, model=embedder.name, dim=embedder.dim)
files, _ = discover([folder])
print(ingest(store, files, embedder, commit_chunks=batch).chunks_embedded, flush=True)
"""


def run_worker(index: Path, folder: Path, delay: float = 0.0, commit_chunks: int = 512) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, str(index), str(folder), str(delay), str(commit_chunks)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def make_docs(folder: Path, count: int, tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"{tag}-{i}.md").write_text(
            f"---\ntitle: {tag} document {i}\n---\n## Cause\n\n{tag} words number {i} about tensors.\n\n"
            f"```python\nx_{i} = torch.zeros({i})\n```\n"
        )


def assert_consistent(store: Store) -> None:
    documents, chunks = store.counts()
    assert store.vector_index().ntotal == chunks
    fts = store.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'cause'").fetchone()[0]
    assert fts <= chunks
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def documents_in(index: Path) -> int:
    store = Store.open(index)
    try:
        return store.counts()[0]
    finally:
        store.close()


def test_ingest_indexes_both_formats_and_finds_them(store):
    sources = store.sources()
    assert len(sources) == 2 and all(os.path.isabs(s) for s in sources)
    hits = store.lexical_search("hidden state batch_first LSTM")
    assert hits and hits[0].source.endswith("lstm-hidden-state.md")
    hits = store.lexical_search("gradients accumulate zero_grad")
    assert hits[0].source.endswith("grad-accumulation-thread.txt")


def test_reingesting_unchanged_files_embeds_nothing(store, embedder, documents):
    before = embedder.embedded
    report = ingest(store, discover([documents])[0], embedder)
    assert embedder.embedded == before
    assert len(report.unchanged) == 2 and not report.added and not report.updated


def test_a_changed_file_replaces_its_chunks(store, embedder, documents):
    path = documents / "grad-accumulation-thread.txt"
    path.write_text("Gradients keep growing\n\nCompletely rewritten about quokkas.\n")
    report = ingest(store, discover([documents])[0], embedder)
    assert report.updated == [str(path.resolve())]
    assert store.lexical_search("quokkas")
    assert not store.lexical_search("accumulate")
    assert_consistent(store)


def test_remove_and_sync_drop_documents(store, embedder, documents):
    gone = remove(store, [str(documents / "lstm-hidden-state.md")])
    assert len(gone) == 1 and len(store.sources()) == 1
    ingest(store, discover([documents])[0], embedder)
    (documents / "lstm-hidden-state.md").unlink()
    report = ingest(store, discover([documents])[0], embedder, remove_missing_under=[str(documents.resolve()) + "/"])
    assert len(report.removed) == 1 and len(store.sources()) == 1
    assert_consistent(store)


def test_one_bad_document_is_reported_and_the_rest_ingest(tmp_path, embedder, documents):
    (documents / "broken.md").write_text("---\ntitle: [oops\n---\nbody")
    (documents / "image.txt").write_bytes(b"\x89PNG\x00\x00")
    store = Store.create(tmp_path / "i", model=embedder.name, dim=embedder.dim)
    report = ingest(store, discover([documents])[0], embedder)
    assert sorted(Path(p).name for p, _ in report.failed) == ["broken.md", "image.txt"]
    assert len(report.added) == 2


def test_opening_with_another_model_or_schema_says_rebuild(store, tmp_path):
    with pytest.raises(StoreError, match="built with model 'fake-bow'"):
        Store.open(store.directory, model="all-MiniLM-L6-v2")
    store.set_meta("schema", "0")
    with pytest.raises(StoreError, match="rebuild"):
        Store.open(store.directory)


def test_missing_and_corrupt_indexes_are_reported(tmp_path):
    with pytest.raises(StoreError, match="no index"):
        Store.open(tmp_path / "nowhere")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "kb.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="corrupt|not a kb index"):
        Store.open(tmp_path / "bad")


def test_missing_faiss_file_is_rebuilt_from_sqlite(store):
    for path in store.directory.glob("vectors.*.faiss"):
        path.unlink()
    reopened = Store.open(store.directory)
    assert reopened.vector_index().ntotal == store.counts()[1]


def test_killed_ingest_leaves_previous_index_usable(tmp_path):
    index, first, second = tmp_path / "index", tmp_path / "first", tmp_path / "second"
    make_docs(first, 5, "alpha")
    assert run_worker(index, first).wait(60) == 0
    baseline = Store.open(index).counts()
    make_docs(second, 200, "beta")
    for delay in (0.05, 0.3, 0.6, 0.9, 1.2):  # kill while embedding, writing, and renaming
        worker = run_worker(index, second)
        time.sleep(delay)
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
        store = Store.open(index)
        assert store.counts()[0] in (baseline[0], baseline[0] + 200)
        assert_consistent(store)
        assert store.lexical_search("alpha")
        store.close()
    slow = run_worker(index, second, delay=0.01)
    time.sleep(1.0)
    slow.send_signal(signal.SIGKILL)
    slow.wait(30)
    assert Store.open(index).lexical_search("alpha")


def test_an_ingest_killed_late_keeps_what_it_committed(tmp_path):
    index, first, second = tmp_path / "index", tmp_path / "first", tmp_path / "second"
    make_docs(first, 5, "alpha")
    assert run_worker(index, first).wait(60) == 0
    make_docs(second, 300, "beta")  # one chunk each, committed 30 at a time
    worker = run_worker(index, second, delay=0.02, commit_chunks=30)
    deadline = time.monotonic() + 120
    while documents_in(index) < 5 + 90 and time.monotonic() < deadline:
        time.sleep(0.2)
    worker.send_signal(signal.SIGKILL)
    worker.wait(30)
    store = Store.open(index)
    kept = store.counts()[0] - 5
    assert 90 <= kept < 300 and kept % 30 == 0
    assert_consistent(store)
    rerun = run_worker(index, second)
    assert rerun.wait(60) == 0 and int(rerun.stdout.read()) == 300 - kept
    assert Store.open(index).counts()[0] == 305


def test_progress_reports_a_rate_and_an_eta(tmp_path):
    make_docs(tmp_path / "docs", 40, "eta")
    store = Store.create(tmp_path / "index", model="fake-bow", dim=64)
    updates = []
    ingest(store, discover([tmp_path / "docs"])[0], FakeEmbedder(delay_s=0.002), progress=updates.append)
    assert [u.done for u in updates] == sorted(u.done for u in updates) and updates[-1].done == updates[-1].total == 40
    assert all(u.rate > 0 and u.eta_s is not None for u in updates)
    assert updates[-1].eta_s == 0
    counts = []
    ingest(Store.create(tmp_path / "other", model="fake-bow", dim=64), discover([tmp_path / "docs"])[0],
           FakeEmbedder(), progress=lambda done, total: counts.append((done, total)))
    assert counts[-1] == (40, 40)


def test_two_ingests_at_once_do_not_corrupt(tmp_path):
    index = tmp_path / "index"
    make_docs(tmp_path / "a", 60, "gamma")
    make_docs(tmp_path / "b", 60, "delta")
    Store.create(index, model="fake-bow", dim=64)
    workers = [run_worker(index, tmp_path / "a"), run_worker(index, tmp_path / "b")]
    assert [w.wait(120) for w in workers] == [0, 0], [w.stderr.read() for w in workers]
    store = Store.open(index)
    assert store.counts()[0] == 120
    assert_consistent(store)


def test_two_first_runs_creating_the_same_index_do_not_collide(tmp_path):
    script = ("import sys; from pathlib import Path; from kb.store import Store\n"
              "Store.create(Path(sys.argv[1]), model='fake-bow', dim=64)")
    workers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "index")], cwd=ROOT,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    assert [w.wait(60) for w in workers] == [0] * 4, [w.stderr.read() for w in workers]
    assert Store.open(tmp_path / "index").meta()["generation"] == "0"
