"""Which corpus entry explains a message, by the entries' own patterns (the ones `kb ask` matches)."""

from __future__ import annotations

from collections.abc import Iterable


def entries_matching(message: str, entry_ids: Iterable[str]) -> list[str]:
    """Those of the given entries that have a pattern matching the message, in the order given."""
    from kb.documents import read_document
    from kb.ingest import shipped_corpus_dir

    corpus = shipped_corpus_dir()
    paths = [corpus / f"{entry}.md" for entry in entry_ids]
    documents = [read_document(path) for path in paths if path.is_file()]
    return [document.doc_id for document in documents if any(pattern.match(message) for pattern in document.patterns)]
