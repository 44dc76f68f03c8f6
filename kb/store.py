"""An index on disk: SQLite holds documents, chunks, vectors and metadata; FAISS is derived from it.

Crash safety comes from keeping one source of truth. Every change is one SQLite transaction that
also bumps a generation number; the FAISS file is named after the generation it was built from and
written beside the target, then renamed. A process killed at any point therefore leaves the state
of its last committed transaction in SQLite, and a FAISS file that is missing, stale or damaged for
the current generation is rebuilt from the vectors in SQLite (no embedding needed). Writers take an
exclusive lock on the directory, so two ingests run one after the other instead of interleaving.

Every way the index can be unusable (missing, corrupt, read-only where a write is needed, on a full
disk) surfaces as one `StoreError` whose message says what is wrong and what to do. Opening checks
what it cheaply can, so that damage is reported before a question is answered rather than half-way
through one: the metadata, and SQLite's page structure (`PRAGMA quick_check`, run once per change of
the database file and remembered in `.verified`).

numpy and FAISS (kb.vectors) are imported by the methods that search or build vectors, not here:
a query answered by its error signature reads SQLite only and never pays for loading them.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import json
import os
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kb import tokens
from kb.chunking import Chunk
from kb.documents import Document

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = 1
DATABASE = "kb.sqlite"
VERIFIED_STAMP = ".verified"
LEXICAL_CACHE_SIZE = 512  # distinct queries kept per generation (a few hundred bytes each)

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
"""
# The lexical index holds kb.tokens terms, which unicode61 keeps as they are (see kb.tokens)
_LEXICAL_TABLE = "CREATE VIRTUAL TABLE chunks_fts USING fts5(title, heading, text, content='', tokenize='unicode61')"
_Result = TypeVar("_Result")
# SQLite result codes that mean the files are damaged or are not a kb index (a missing table is ERROR)
_DAMAGE_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT, sqlite3.SQLITE_ERROR)


class StoreError(RuntimeError):
    """The index cannot be used as asked (missing, corrupt, built differently, read-only, or its
    disk is full); the message is one line for the user that says what to do."""


class CorruptIndexError(StoreError):
    """The index's own files are damaged: only rebuilding it helps."""


def corrupt_index(directory: Path, detail: str) -> CorruptIndexError:
    detail = " ".join(detail.replace("*** in database main ***", "").split())[:160]  # one line, short
    return CorruptIndexError(
        f"the kb index at {directory} is corrupt ({detail}); rebuild it: delete that directory and ingest "
        "your documents again (the default index re-adds the shipped corpus by itself)"
    )


def index_error(error: BaseException, directory: Path) -> StoreError:
    """The one-line StoreError for what SQLite or the file system raised while using an index."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    number = getattr(error, "errno", None)
    if code == sqlite3.SQLITE_FULL or number in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(
            f"no space left on the disk holding the index at {directory}: the index keeps its last complete "
            "state; free some space there (or use another --index / KB_HOME) and run again"
        )
    if code == sqlite3.SQLITE_READONLY or number in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = getattr(error, "strerror", None) or "read-only database"
        return StoreError(
            f"cannot write the index at {directory} ({reason}): an index there can answer questions but not "
            "be created or changed; use a writable --index or KB_HOME"
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreError(f"the index at {directory} stayed locked by another kb process; try again when it is done")
    if code in _DAMAGE_CODES:
        return corrupt_index(directory, str(error))
    return StoreError(f"cannot use the index at {directory}: {getattr(error, 'strerror', None) or error}")


def _translating(method: Callable[..., _Result]) -> Callable[..., _Result]:
    """Turn SQLite and file-system errors inside a Store method into one StoreError, undoing the
    open transaction first, so a caller only ever has one kind of failure to report."""

    @functools.wraps(method)
    def translated(self: "Store", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.DatabaseError, OSError) as error:
            if self.db.in_transaction:
                try:
                    self.db.rollback()
                except sqlite3.Error:
                    pass  # the connection is going away with the StoreError anyway
            raise index_error(error, self.directory) from None

    return translated


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
        self._lexical_cache: tuple[int, dict[tuple[tuple[str, ...], int], tuple[ChunkHit, ...]]] = (-1, {})

    @classmethod
    def open(cls, directory: Path, *, model: str | None = None) -> "Store":
        path = directory / DATABASE
        if not path.is_file():
            raise StoreError(f"no index at {directory} (build one with `kb ingest PATH --index {directory}`)")
        store = cls(directory, _connect(path))
        try:
            store._check(model)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def create(cls, directory: Path, *, model: str, dim: int) -> "Store":
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with _directory_lock(directory):  # two first runs at once: one creates, the other opens
                connection = _connect(directory / DATABASE)
                try:
                    with connection:
                        if not connection.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                            connection.executescript(_SCHEMA)
                            connection.execute(_LEXICAL_TABLE)
                            connection.executemany(
                                "INSERT INTO meta VALUES (?, ?)",
                                [("schema", str(SCHEMA_VERSION)), ("model", model), ("dim", str(dim)),
                                 ("generation", "0"), ("lexical", tokens.VERSION)],
                            )
                finally:
                    connection.close()
        except (sqlite3.DatabaseError, OSError) as error:
            raise index_error(error, directory) from None
        return cls.open(directory, model=model)

    @_translating
    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    @_translating
    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        return int(self.meta()["generation"])

    @property
    def dim(self) -> int:
        return int(self.meta()["dim"])

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        with _directory_lock(self.directory):
            yield

    @_translating
    def set_vector_index_kind(self, kind: str) -> None:
        """Build this index's FAISS side as `kind` (flat, ivf or hnsw; auto: by size) from now on,
        starting now. Bumping the generation makes other readers, a running server included, follow."""
        if self.meta().get("faiss_index", "auto") == kind:
            return
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('faiss_index', ?)", (kind,))
            self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        self.vector_index()

    @_translating
    def hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT source, content_hash FROM documents").fetchall())

    def apply(self, added: Iterable[IndexedDocument], removed: Iterable[str]) -> None:
        """Replace and remove documents in one transaction, then bring the FAISS file up to date."""
        self.write(added, removed)
        self.vector_index()

    @_translating
    def write(self, added: Iterable[IndexedDocument], removed: Iterable[str]) -> None:
        """Replace and remove documents in one transaction that bumps the generation; the FAISS
        file follows on the next `vector_index()` (a batched ingest builds it once, at the end)."""
        with self.db:
            for source in removed:
                self._delete(source)
            for item in added:
                self._delete(item.document.source)
                self._insert(item)
            self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    @_translating
    def document(self, source: str) -> Document:
        row = self.db.execute(
            "SELECT doc_id, title, source, body, content_hash, meta FROM documents WHERE source=?", (source,)
        ).fetchone()
        if row is None:
            raise KeyError(source)
        return Document(*row[:5], meta=json.loads(row[5]))

    @_translating
    def sources(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT source FROM documents ORDER BY source")]

    @_translating
    def counts(self) -> tuple[int, int]:
        documents = self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return documents, chunks

    @_translating
    def patterns(self) -> list[tuple[str, str]]:
        """(source, pattern text) for every declared error pattern."""
        rows = self.db.execute("SELECT source, meta FROM documents").fetchall()
        return [(source, text) for source, meta in rows for text in json.loads(meta).get("errors") or ()]

    @_translating
    def chunk(self, chunk_id: int) -> tuple[str, str, str]:
        return self.db.execute("SELECT source, heading, text FROM chunks WHERE id=?", (chunk_id,)).fetchone()

    @_translating
    def lexical_search(self, text: str, limit: int = 50) -> list[ChunkHit]:
        """Chunks by BM25 over kb.tokens terms (k1 1.2, b 0.75; a title term weighs twice).

        Ranked inside FTS5 before joining the chunk rows (half the CPU of joining first), and kept
        per (generation, terms, limit): numbers are not terms, so the same error with other sizes,
        or a burst of asks at a server, is one search."""
        terms = tokens.query_terms(text)
        if not terms:
            return []
        generation, key = self.generation, (tuple(terms), limit)
        if self._lexical_cache[0] != generation or len(self._lexical_cache[1]) >= LEXICAL_CACHE_SIZE:
            self._lexical_cache = (generation, {})
        if (cached := self._lexical_cache[1].get(key)) is not None:
            return list(cached)
        expression = " OR ".join(f'"{term}"' for term in terms)
        rows = self.db.execute(
            "SELECT c.id, c.source, ranked.score FROM (SELECT rowid, bm25(chunks_fts, 2.0, 1.0, 1.0) AS score "
            "FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score, rowid LIMIT ?) AS ranked "
            "JOIN chunks c ON c.id = ranked.rowid ORDER BY ranked.score, c.id",
            (expression, limit),
        ).fetchall()
        hits = tuple(ChunkHit(chunk_id, source, -score) for chunk_id, source, score in rows)
        self._lexical_cache[1][key] = hits
        return list(hits)

    @_translating
    def dense_search(self, query: np.ndarray, limit: int = 50) -> list[ChunkHit]:
        from kb import vectors

        hits = vectors.search(self.vector_index(), query, limit)
        if not hits:
            return []
        marks = ",".join("?" * len(hits))
        sources = dict(self.db.execute(f"SELECT id, source FROM chunks WHERE id IN ({marks})", [i for i, _ in hits]))
        return [ChunkHit(i, sources[i], score) for i, score in hits if i in sources]

    @_translating
    def vector_index(self):
        """The FAISS index for the current generation: cached, loaded, or rebuilt from SQLite."""
        generation = self.generation
        if self._vector_index and self._vector_index[0] == generation:
            return self._vector_index[1]
        path = self.directory / f"vectors.{generation}.faiss"
        index = self._load_vector_index(path) or self._rebuild_vector_index(path)
        self._vector_index = (generation, index)
        return index

    def close(self) -> None:
        self.db.close()

    def _check(self, model: str | None) -> None:
        """Refuse an index this kb cannot use, with a message that says how to rebuild it."""
        meta = self.meta()
        if meta.get("schema") != str(SCHEMA_VERSION):
            raise StoreError(
                f"the index at {self.directory} has schema {meta.get('schema')}, this kb needs {SCHEMA_VERSION}; "
                "rebuild it (delete the directory and ingest again)"
            )
        for key in ("dim", "generation"):
            if not str(meta.get(key, "")).isdigit():
                raise corrupt_index(self.directory, f"its {key} is {meta.get(key)!r}, not a whole number")
        if model is not None and meta.get("model") != model:
            raise StoreError(
                f"the index at {self.directory} was built with model {meta.get('model')!r}, not {model!r}; "
                "use that model or rebuild the index"
            )
        self._check_pages()
        if meta.get("lexical") != tokens.VERSION:
            self._rebuild_lexical_index()

    @_translating
    def _check_pages(self) -> None:
        """SQLite's structural check, skipped while the database files are as they were when it
        last passed: it reads every page, which is milliseconds for the shipped corpus but would be
        seconds on every question for a large index."""
        stamp_path = self.directory / VERIFIED_STAMP
        stamp = _file_stamp(self.directory)
        try:
            if stamp_path.read_text() == stamp:
                return
        except OSError:
            pass  # never checked (or unreadable): check now
        problems = [row[0] for row in self.db.execute("PRAGMA quick_check(2)").fetchall()]
        if problems != ["ok"]:
            raise corrupt_index(self.directory, "damaged database pages: " + "; ".join(problems))
        try:
            stamp_path.write_text(stamp)
        except OSError:
            pass  # a read-only index is checked on every open instead

    def _rebuild_lexical_index(self) -> None:
        """Re-index every chunk's terms from the text kept in SQLite: an index built by an older kb
        (FTS5's porter stemmer, or an older kb.tokens) opens as if built now, with no embedding."""
        if not _writable(self.directory / DATABASE):
            raise StoreError(
                f"the index at {self.directory} was built by an older kb, whose search terms this kb does not "
                "read; open it once where it can be written (it updates itself, no embedding needed), or "
                "rebuild it (delete the directory and ingest again)"
            )
        with _directory_lock(self.directory):
            self._reindex_terms()

    @_translating
    def _reindex_terms(self) -> None:
        """One transaction (DDL included): readers see the old terms until it commits, the new after."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if self.meta().get("lexical") == tokens.VERSION:
                return  # another process has just done it
            self.db.execute("DROP TABLE IF EXISTS chunks_fts")
            self.db.execute(_LEXICAL_TABLE)
            rows = self.db.execute(
                "SELECT c.id, d.title, c.heading, c.text FROM chunks c JOIN documents d USING (source)"
            ).fetchall()
            self.db.executemany(
                "INSERT INTO chunks_fts(rowid, title, heading, text) VALUES (?, ?, ?, ?)",
                [(chunk_id, *map(tokens.indexed_text, texts)) for chunk_id, *texts in rows],
            )
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('lexical', ?)", (tokens.VERSION,))

    def _load_vector_index(self, path: Path):
        """The FAISS file for this generation if it exists and matches SQLite, else None; a damaged
        file (truncated, random bytes, another dimension) is derived data and simply rebuilt."""
        from kb import vectors

        if not path.is_file():
            return None
        try:
            index = vectors.read_index(path)
        except (RuntimeError, OSError):
            return None
        if index.d != self.dim or index.ntotal != self.counts()[1]:
            return None
        return index

    def _rebuild_vector_index(self, path: Path):
        import numpy as np

        from kb import vectors

        self.db.execute("BEGIN")  # one read transaction: ids and vectors of the same generation
        try:
            rows = self.db.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
            generation = self.generation
        finally:
            self.db.execute("COMMIT")
        dim = self.dim
        if any(len(row[1]) != dim * 4 for row in rows):
            raise corrupt_index(self.directory, f"a stored vector is not {dim} float32 values")
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
                pass  # a read-only index directory, or a full disk, still answers: from memory
        return index

    def _delete(self, source: str) -> None:
        rows = self.db.execute("SELECT id, heading, text FROM chunks WHERE source=?", (source,)).fetchall()
        if not rows and not self.db.execute("SELECT 1 FROM documents WHERE source=?", (source,)).fetchone():
            return
        title = self.db.execute("SELECT title FROM documents WHERE source=?", (source,)).fetchone()
        title = tokens.indexed_text(title[0] if title else "")
        self.db.executemany(
            "INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, text) VALUES('delete', ?, ?, ?, ?)",
            [(chunk_id, title, *map(tokens.indexed_text, texts)) for chunk_id, *texts in rows],
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
        title = tokens.indexed_text(document.title)
        for chunk, vector in zip(item.chunks, item.vectors):
            cursor = self.db.execute(
                "INSERT INTO chunks (source, ordinal, heading, text, vector) VALUES (?, ?, ?, ?, ?)",
                (document.source, chunk.ordinal, chunk.heading, chunk.text, vector.astype("float32").tobytes()),
            )
            self.db.execute(
                "INSERT INTO chunks_fts(rowid, title, heading, text) VALUES (?, ?, ?, ?)",
                (cursor.lastrowid, title, tokens.indexed_text(chunk.heading), tokens.indexed_text(chunk.text)),
            )


@contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Writers of one index directory take turns (creation, ingest, removal)."""
    try:
        handle = open(directory / ".lock", "w")
    except OSError as error:
        raise index_error(error, directory) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode; read-only (and still answering) where the index cannot be written."""
    try:
        if not _writable(path):
            return _connect_read_only(path)
        connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.isolation_level = ""  # `with connection:` wraps a transaction
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as error:
        raise index_error(error, path.parent) from None
    return connection


def _writable(path: Path) -> bool:
    """Whether the database at `path` (and its directory, for the WAL and the lock) can be written."""
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """SQLite opens a WAL database read-only only where it can use or create the -shm file beside
    it; on a read-only mount it cannot, and the database is opened as immutable instead (nothing
    can change it there)."""
    uri = "file:" + urllib.parse.quote(str(path.resolve()))
    try:
        connection = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=30, check_same_thread=False)
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError:
        connection = sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, check_same_thread=False)
    connection.isolation_level = ""
    return connection


def _file_stamp(directory: Path) -> str:
    """Size and modification time of the database and of a WAL with pages in it: any write changes
    one of them. An empty WAL is left out: each process that opens the index creates it anew."""
    parts = []
    for name in (DATABASE, DATABASE + "-wal"):
        try:
            status = os.stat(directory / name)
        except FileNotFoundError:
            continue
        if status.st_size or name == DATABASE:
            parts.append(f"{name} {status.st_size} {status.st_mtime_ns}")
    return "\n".join(parts)

