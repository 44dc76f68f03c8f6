"""Bring an index up to date with documents on disk.

Only documents whose content hash changed are parsed, chunked and embedded. Changed documents are
embedded and committed in batches of about `COMMIT_CHUNKS` chunks, each batch one transaction, so
an ingest killed late keeps what it committed (each document is all or nothing) and running it
again embeds only the rest; the FAISS file is built once, at the end.

Embedding runs at the model's own speed: each batch's texts are encoded sorted by length, so a
padded encoder batch wastes little on padding (one length-mixed call per 64 chunks ran at half the
rate of encoding everything at once). Chunks of the shipped corpus take their vectors from the
package (kb.corpus_vectors) instead of being embedded.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Union

from kb.chunking import Chunk, chunk_document
from kb.documents import SUPPORTED_SUFFIXES, Document, DocumentError, read_document
from kb.embedding import Embedder
from kb.locations import default_index_dir
from kb.store import CorruptIndexError, IndexedDocument, Store, StoreError

if TYPE_CHECKING:
    from kb.corpus_vectors import ShippedVectors

CORPUS_PREFIX = "corpus/"
COMMIT_CHUNKS = 512  # chunks per transaction: ~20 s of embedding on two cores, the most a kill loses
ENCODE_CHUNKS = 64  # chunks per encode call, between progress reports
ENCODE_BATCH = 32  # the encoder's own batch
log = logging.getLogger("kb")


@dataclass(frozen=True)
class IngestProgress:
    """Chunks embedded so far out of those that need the model (shipped vectors do not count)."""

    done: int
    total: int
    elapsed_s: float

    @property
    def rate(self) -> float:
        """Chunks per second so far (0 before the first batch is done)."""
        return self.done / self.elapsed_s if self.done and self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate so far; None until there is a rate."""
        return (self.total - self.done) / self.rate if self.rate else None


# A callback taking an IngestProgress; the older (done, total) form is still accepted.
Progress = Union[Callable[[IngestProgress], None], Callable[[int, int], None]]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0  # vectors taken from the shipped corpus vectors instead of the model


@dataclass(frozen=True)
class _Pending:
    document: Document
    chunks: list[Chunk]
    texts: list[str]  # what is embedded for each chunk


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
    shipped: ShippedVectors | None = None,
    commit_chunks: int = COMMIT_CHUNKS,
) -> IngestReport:
    """Add new and changed files; with remove_missing_under, drop indexed sources below those
    prefixes that are no longer among `files` (sync mode). Vectors in `shipped` are used for the
    chunks they cover when they were made by this embedder's model."""
    report = IngestReport()
    with store.write_lock():
        known = store.hashes()
        pending = _changed(files, known, report)
        present = {source for _, source in files}
        prefixes = tuple(remove_missing_under)
        report.removed = [s for s in known if prefixes and s.startswith(prefixes) and s not in present]
        if report.removed:
            store.write([], report.removed)
        reuse = shipped if pending and shipped is not None and shipped.agrees_with(embedder) else None
        meter = _Meter(progress, sum(reuse is None or not reuse.covers(t) for p in pending for t in p.texts))
        for batch in _batches(pending, commit_chunks):
            indexed, embedded = _embed(batch, embedder, store.dim, reuse, meter)
            store.write(indexed, [])
            report.chunks_embedded += embedded
            report.chunks_reused += sum(len(p.chunks) for p in batch) - embedded
        if pending or report.removed:
            store.vector_index()
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


def sync_shipped_corpus(store: Store, embedder: Embedder, progress: Progress | None = None) -> IngestReport | None:
    """Keep the shipped entries of an index current; a no-op (no model load) when nothing changed.
    Their vectors come from the package where it has them, so only changed entries are embedded."""
    from kb.corpus_vectors import ShippedVectors

    files = shipped_corpus_files()
    digest = corpus_digest(files)
    if store.meta().get("corpus_digest") == digest:
        return None
    report = ingest(store, files, embedder, remove_missing_under=[CORPUS_PREFIX], progress=progress,
                    shipped=ShippedVectors.load())
    store.set_meta("corpus_digest", digest)
    return report


def open_default_index(embedder: Embedder, progress: Progress | None = None) -> Store:
    """The default index: created on first use, kept in step with the shipped corpus, and rebuilt
    when it is corrupt. The damaged directory is kept beside it (as index.corrupt) rather than
    deleted, since it may hold documents the user ingested, and a warning says so."""
    directory = default_index_dir()
    try:
        store = Store.open(directory, model=embedder.name)
    except CorruptIndexError as error:
        aside = directory.with_name(directory.name + ".corrupt")
        try:
            _replace_dir(directory, aside)
        except OSError:
            raise error from None  # cannot be moved (a read-only mount): the error says how to rebuild
        log.warning("kb: %s; moved it to %s and rebuilt the shipped corpus (ingest your own documents again)",
                    str(error).split(";")[0], aside)
        store = Store.create(directory, model=embedder.name, dim=embedder.dim)
    except StoreError:
        if (directory / "kb.sqlite").exists():
            raise
        store = Store.create(directory, model=embedder.name, dim=embedder.dim)
    sync_shipped_corpus(store, embedder, progress)
    return store


def _changed(files: list[tuple[Path, str]], known: dict[str, str], report: IngestReport) -> list[_Pending]:
    """The readable files whose content differs from what the index holds, parsed and chunked."""
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
        chunks = chunk_document(document)
        pending.append(_Pending(document, chunks, [c.embedding_text(document.title) for c in chunks]))
    return pending


def _batches(pending: list[_Pending], chunks_per_batch: int) -> Iterator[list[_Pending]]:
    """Whole documents, about chunks_per_batch chunks at a time (a larger document alone)."""
    batch: list[_Pending] = []
    size = 0
    for item in pending:
        if batch and size + len(item.chunks) > chunks_per_batch:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += len(item.chunks)
    if batch:
        yield batch


class _Meter:
    """Turns chunk counts into IngestProgress reports for the caller's callback."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.report = _progress_sink(progress)
        self.total = total
        self.done = 0
        self.started = time.perf_counter()

    def advance(self, count: int) -> None:
        self.done += count
        self.report(IngestProgress(self.done, self.total, time.perf_counter() - self.started))


def _progress_sink(progress: Progress | None) -> Callable[[IngestProgress], None]:
    """The callback as one taking an IngestProgress; one of the (done, total) form, like the CLI's
    progress bar, gets those two numbers."""
    if progress is None:
        return lambda update: None
    try:
        inspect.signature(progress).bind(0, 0)
    except (TypeError, ValueError):
        return progress  # type: ignore[return-value]
    return lambda update: progress(update.done, update.total)  # type: ignore[call-arg]


def _embed(batch: list[_Pending], embedder: Embedder, dim: int, reuse: ShippedVectors | None,
           meter: _Meter) -> tuple[list[IndexedDocument], int]:
    """Vectors for a batch of documents, and how many of them the model computed."""
    import numpy as np  # deferred: opening an index to answer a query never embeds

    texts = [text for item in batch for text in item.texts]
    matrix = np.zeros((len(texts), dim), dtype=np.float32)
    missing = []
    for row, text in enumerate(texts):
        vector = reuse.vector(text) if reuse is not None else None
        if vector is None:
            missing.append(row)
        else:
            matrix[row] = vector
    missing.sort(key=lambda row: len(texts[row]))  # similar lengths share an encoder batch: less padding
    for start in range(0, len(missing), ENCODE_CHUNKS):
        rows = missing[start : start + ENCODE_CHUNKS]
        matrix[rows] = embedder.embed([texts[row] for row in rows], batch_size=ENCODE_BATCH)
        meter.advance(len(rows))
    indexed, offset = [], 0
    for item in batch:
        indexed.append(IndexedDocument(item.document, item.chunks, matrix[offset : offset + len(item.chunks)]))
        offset += len(item.chunks)
    return indexed, len(missing)


def _replace_dir(directory: Path, aside: Path) -> None:
    """Move directory to aside, replacing an older aside copy."""
    if aside.exists():
        import shutil

        shutil.rmtree(aside)
    directory.rename(aside)
