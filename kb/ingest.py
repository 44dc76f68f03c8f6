"""Bring an index up to date with documents on disk.

Only documents whose content hash changed are parsed, chunked and embedded; all embedding happens
before the single write transaction, so an ingest killed while embedding has changed nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb.chunking import chunk_document
from kb.documents import SUPPORTED_SUFFIXES, DocumentError, read_document
from kb.embedding import Embedder
from kb.store import IndexedDocument, Store

Progress = Callable[[int, int], None]  # (done, total) chunks embedded
CORPUS_PREFIX = "corpus/"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Files to ingest as (path, source name), and the paths that could not be used."""
    found: list[tuple[Path, str]] = []
    problems: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            found.extend((p, str(p.resolve())) for p in files if not any(s.startswith(".") for s in p.parts))
        elif path.is_file():
            found.append((path, str(path.resolve())))
        else:
            problems.append((str(path), "no such file or directory"))
    return found, problems


def ingest(
    store: Store,
    files: list[tuple[Path, str]],
    embedder: Embedder,
    *,
    remove_missing_under: Iterable[str] = (),
    progress: Progress | None = None,
) -> IngestReport:
    """Add new and changed files; with remove_missing_under, drop indexed sources below those
    prefixes that are no longer among `files` (sync mode)."""
    report = IngestReport()
    with store.write_lock():
        known = store.hashes()
        pending = []
        for path, source in files:
            try:
                document = read_document(path)
            except DocumentError as error:
                report.failed.append((str(path), str(error)))
                continue
            document = replace(document, source=source)
            if known.get(source) == document.content_hash:
                report.unchanged.append(source)
                continue
            (report.updated if source in known else report.added).append(source)
            pending.append((document, chunk_document(document)))
        present = {source for _, source in files}
        prefixes = tuple(remove_missing_under)
        report.removed = [s for s in known if prefixes and s.startswith(prefixes) and s not in present]
        indexed = _embed(pending, embedder, progress)
        report.chunks_embedded = sum(len(item.chunks) for item in indexed)
        if indexed or report.removed:
            store.apply(indexed, report.removed)
    return report


def remove(store: Store, paths: Iterable[str]) -> list[str]:
    """Drop indexed documents at or below each path (absolute, or as a corpus/ source name)."""
    with store.write_lock():
        wanted = [p if p.startswith(CORPUS_PREFIX) else str(Path(p).resolve()) for p in paths]
        gone = [s for s in store.sources() if any(s == w or s.startswith(w.rstrip("/") + "/") for w in wanted)]
        if gone:
            store.apply([], gone)
    return gone


def shipped_corpus_dir() -> Path:
    """The curated corpus: installed as kb/corpus, or corpus/ beside kb/ in a source checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "corpus"
    return installed if installed.is_dir() else here.parent / "corpus"


def shipped_corpus_files() -> list[tuple[Path, str]]:
    return [(p, CORPUS_PREFIX + p.name) for p in sorted(shipped_corpus_dir().glob("*.md"))]


def corpus_digest(files: list[tuple[Path, str]]) -> str:
    digest = hashlib.sha256()
    for path, source in files:
        digest.update(source.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def default_index_dir() -> Path:
    """KB_HOME, else the XDG data directory: the shipped corpus plus what the user ingested."""
    if home := os.environ.get("KB_HOME"):
        return Path(home).expanduser() / "index"
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "kb" / "index"


def sync_shipped_corpus(store: Store, embedder: Embedder, progress: Progress | None = None) -> IngestReport | None:
    """Keep the shipped entries of an index current; a no-op (no model load) when nothing changed."""
    files = shipped_corpus_files()
    digest = corpus_digest(files)
    if store.meta().get("corpus_digest") == digest:
        return None
    report = ingest(store, files, embedder, remove_missing_under=[CORPUS_PREFIX], progress=progress)
    store.set_meta("corpus_digest", digest)
    return report


def _embed(pending, embedder: Embedder, progress: Progress | None, batch: int = 64) -> list[IndexedDocument]:
    import numpy as np  # deferred: opening an index to answer a query never embeds

    texts = [chunk.embedding_text(doc.title) for doc, chunks in pending for chunk in chunks]
    parts = []
    for start in range(0, len(texts), batch):
        parts.append(embedder.embed(texts[start : start + batch]))
        if progress:
            progress(min(len(texts), start + batch), len(texts))
    matrix = np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)
    indexed, offset = [], 0
    for document, chunks in pending:
        indexed.append(IndexedDocument(document, chunks, matrix[offset : offset + len(chunks)]))
        offset += len(chunks)
    return indexed
