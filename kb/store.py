"""An index on disk: SQLite holds documents, chunks, vectors and metadata; FAISS is derived from it.

Crash safety comes from keeping one source of truth. Every change is one SQLite transaction that
also bumps a generation number; the FAISS file is named after the generation it was built from and
written beside the target, then renamed. A process killed at any point therefore leaves either the
old state or the new one in SQLite, and a FAISS file that is missing or stale for the current
generation is rebuilt from the vectors in SQLite (no embedding needed). Writers take an exclusive
lock on the directory, so two ingests run one after the other instead of interleaving.

numpy and FAISS (kb.vectors) are imported by the methods that search or build vectors, not here:
a query answered by its error signature reads SQLite only and never pays for loading them.
"""

from __future__ import annotations

import fcntl
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.chunking import Chunk
from kb.documents import Document

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = 1
DATABASE = "kb.sqlite"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    source TEXT PRIMARY KEY, doc_id TEXT NOT NULL, title TEXT NOT NULL,
    content_hash TEXT NOT NULL, meta TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL REFERENCES documents(source) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX chunks_by_source ON chunks(source);
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    title, heading, text, content='', tokenize='porter unicode61'
);
"""
_STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i if in into is it its my no not "
    "of on or so that the this to was what when where which why will with you your me get got".split()
)


class StoreError(RuntimeError):
    """The index is missing, corrupt, or was built differently; the message is one line for the user."""


@dataclass(frozen=True)
class IndexedDocument:
    document: Document
    chunks: list[Chunk]
    vectors: np.ndarray


@dataclass(frozen=True)
class ChunkHit:
    chunk_id: int
    source: str
    score: float


class Store:
    def __init__(self, directory: Path, connection: sqlite3.Connection) -> None:
        self.directory = directory
        self.db = connection
        self._vector_index: tuple[int, object] | None = None

    @classmethod
    def open(cls, directory: Path, *, model: str | None = None) -> "Store":
        path = directory / DATABASE
        if not path.is_file():
            raise StoreError(f"no index at {directory} (build one with `kb ingest PATH --index {directory}`)")
        store = cls(directory, _connect(path))
        try:
            meta = store.meta()
        except sqlite3.DatabaseError:
            raise StoreError(f"the index at {directory} is corrupt; delete it and ingest again") from None
        if meta.get("schema") != str(SCHEMA_VERSION):
            raise StoreError(
                f"the index at {directory} has schema {meta.get('schema')}, this kb needs {SCHEMA_VERSION}; "
                "rebuild it (delete the directory and ingest again)"
            )
        if model is not None and meta.get("model") != model:
            raise StoreError(
                f"the index at {directory} was built with model {meta.get('model')!r}, not {model!r}; "
                "use that model or rebuild the index"
            )
        return store

    @classmethod
    def create(cls, directory: Path, *, model: str, dim: int) -> "Store":
        directory.mkdir(parents=True, exist_ok=True)
        with _directory_lock(directory):  # two first runs at once: one creates, the other opens
            connection = _connect(directory / DATABASE)
            with connection:
                if not connection.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                    connection.executescript(_SCHEMA)
                    connection.executemany(
                        "INSERT INTO meta VALUES (?, ?)",
                        [("schema", str(SCHEMA_VERSION)), ("model", model), ("dim", str(dim)), ("generation", "0")],
                    )
            connection.close()
        return cls.open(directory, model=model)

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        with _directory_lock(self.directory):
            yield

    def set_vector_index_kind(self, kind: str) -> None:
        """Build this index's FAISS side as `kind` (flat, ivf or hnsw; auto: by size) from now on,
        starting now. Bumping the generation makes other readers, a running server included, follow."""
        if self.meta().get("faiss_index", "auto") == kind:
            return
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('faiss_index', ?)", (kind,))
            self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        self.vector_index()

    def hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT source, content_hash FROM documents").fetchall())

    def apply(self, added: Iterable[IndexedDocument], removed: Iterable[str]) -> None:
        """Replace and remove documents in one transaction, then bring the FAISS file up to date."""
        with self.db:
            for source in removed:
                self._delete(source)
            for item in added:
                self._delete(item.document.source)
                self._insert(item)
            self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        self.vector_index()

    def document(self, source: str) -> Document:
        row = self.db.execute(
            "SELECT doc_id, title, source, body, content_hash, meta FROM documents WHERE source=?", (source,)
        ).fetchone()
        if row is None:
            raise KeyError(source)
        return Document(*row[:5], meta=json.loads(row[5]))

    def sources(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT source FROM documents ORDER BY source")]

    def counts(self) -> tuple[int, int]:
        documents = self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return documents, chunks

    def patterns(self) -> list[tuple[str, str]]:
        """(source, pattern text) for every declared error pattern."""
        rows = self.db.execute("SELECT source, meta FROM documents").fetchall()
        return [(source, text) for source, meta in rows for text in json.loads(meta).get("errors") or ()]

    def chunk(self, chunk_id: int) -> tuple[str, str, str]:
        return self.db.execute("SELECT source, heading, text FROM chunks WHERE id=?", (chunk_id,)).fetchone()

    def lexical_search(self, text: str, limit: int = 50) -> list[ChunkHit]:
        terms = _query_terms(text)
        if not terms:
            return []
        expression = " OR ".join(f'"{term}"' for term in terms)
        rows = self.db.execute(
            "SELECT c.id, c.source, bm25(chunks_fts, 2.0, 1.0, 1.0) AS score FROM chunks_fts "
            "JOIN chunks c ON c.id = chunks_fts.rowid WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?",
            (expression, limit),
        ).fetchall()
        return [ChunkHit(chunk_id, source, -score) for chunk_id, source, score in rows]

    def dense_search(self, query: np.ndarray, limit: int = 50) -> list[ChunkHit]:
        from kb import vectors

        hits = vectors.search(self.vector_index(), query, limit)
        if not hits:
            return []
        marks = ",".join("?" * len(hits))
        sources = dict(self.db.execute(f"SELECT id, source FROM chunks WHERE id IN ({marks})", [i for i, _ in hits]))
        return [ChunkHit(i, sources[i], score) for i, score in hits if i in sources]

    def vector_index(self):
        """The FAISS index for the current generation: cached, loaded, or rebuilt from SQLite."""
        from kb import vectors

        generation = self.generation
        if self._vector_index and self._vector_index[0] == generation:
            return self._vector_index[1]
        path = self.directory / f"vectors.{generation}.faiss"
        if path.is_file():
            index = vectors.read_index(path)
        else:
            index = self._rebuild_vector_index(path)
        self._vector_index = (generation, index)
        return index

    def close(self) -> None:
        self.db.close()

    def _rebuild_vector_index(self, path: Path):
        import numpy as np

        from kb import vectors

        self.db.execute("BEGIN")  # one read transaction: ids and vectors of the same generation
        try:
            rows = self.db.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
            generation = self.generation
        finally:
            self.db.execute("COMMIT")
        dim = int(self.meta()["dim"])
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), dim)
        kind = vectors.choose_index_kind(len(ids), self.meta().get("faiss_index"))
        index = vectors.build_vector_index(ids, matrix, kind)
        if generation == int(path.name.split(".")[1]):
            try:
                vectors.write_index_atomically(index, path)
                for stale in self.directory.glob("vectors.*.faiss"):
                    if stale != path:
                        stale.unlink(missing_ok=True)
            except OSError:
                pass  # a read-only index directory still answers, from memory
        return index

    def _delete(self, source: str) -> None:
        rows = self.db.execute("SELECT id, heading, text FROM chunks WHERE source=?", (source,)).fetchall()
        title = self.db.execute("SELECT title FROM documents WHERE source=?", (source,)).fetchone()
        for chunk_id, heading, text in rows:
            self.db.execute(
                "INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, text) VALUES('delete', ?, ?, ?, ?)",
                (chunk_id, title[0] if title else "", heading, text),
            )
        self.db.execute("DELETE FROM chunks WHERE source=?", (source,))
        self.db.execute("DELETE FROM documents WHERE source=?", (source,))

    def _insert(self, item: IndexedDocument) -> None:
        document = item.document
        self.db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
            (document.source, document.doc_id, document.title, document.content_hash,
             json.dumps(document.meta, default=str), document.body),
        )
        for chunk, vector in zip(item.chunks, item.vectors):
            cursor = self.db.execute(
                "INSERT INTO chunks (source, ordinal, heading, text, vector) VALUES (?, ?, ?, ?, ?)",
                (document.source, chunk.ordinal, chunk.heading, chunk.text, vector.astype("float32").tobytes()),
            )
            self.db.execute(
                "INSERT INTO chunks_fts(rowid, title, heading, text) VALUES (?, ?, ?, ?)",
                (cursor.lastrowid, document.title, chunk.heading, chunk.text),
            )


@contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Writers of one index directory take turns (creation, ingest, removal)."""
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _connect(path: Path) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.isolation_level = ""  # `with connection:` wraps a transaction
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError:
        raise StoreError(f"{path} is not a kb index (corrupt or another kind of file)") from None
    return connection


def _query_terms(text: str, limit: int = 64) -> list[str]:
    terms: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9]+", text):
        word = word.lower()
        if word not in _STOPWORDS and word not in terms:
            terms.append(word)
    return terms[:limit]
