"""The assistant as a library: open an index, answer queries. The CLI and the server sit on this.

The embedding model is loaded on the first query that needs dense search, not when the engine
opens, so an exact error signature is answered from SQLite alone.
"""

from __future__ import annotations

from pathlib import Path

from kb.embedding import Embedder, SentenceTransformerEmbedder
from kb.ingest import Progress, open_default_index
from kb.store import Store

from assistant.answering.answer import Answer, Documents, compose
from assistant.answering.api_drift import changes_for_query
from assistant.answering.code_query import CodeAnswerer, CodeEvidence, gather_evidence
from assistant.answering.confidence import decide
from assistant.answering.error_model import ErrorReport
from assistant.answering.query import ParsedQuery, parse_query, query_of_error
from assistant.answering.retrieval import Retriever
from assistant.repair.checkpoint import suggested_command


class Engine:
    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self.retriever = Retriever(store, lambda text: embedder.embed([text])[0])
        self.documents = Documents(store)
        self.code = CodeAnswerer(self.retriever, self.documents)

    @classmethod
    def open(
        cls, index_dir: Path | None = None, *, embedder: Embedder | None = None, progress: Progress | None = None,
        create: bool = False,
    ) -> "Engine":
        """The index at index_dir (created empty when `create` and it does not exist yet), or the
        default one (built from the shipped corpus on first use). Every index is created here."""
        embedder = embedder or SentenceTransformerEmbedder()
        if index_dir is not None:
            if create and not (index_dir / "kb.sqlite").exists():
                return cls(Store.create(index_dir, model=embedder.name, dim=embedder.dim), embedder)
            return cls(Store.open(index_dir, model=embedder.name), embedder)
        return cls(open_default_index(embedder, progress), embedder)

    def ask(self, text: str, k: int = 3, *, evidence: CodeEvidence | None = None) -> Answer:
        """Pasted code is answered from what the code itself shows (assistant.answering.code_query):
        `evidence` when the caller gathered it already (a server, outside its engine lock)."""
        query = parse_query(text)
        if query.kind == "code":
            return self.code.answer(query, evidence or gather_evidence(text), k)
        return self._answer(query, k)

    def ask_error(self, error: ErrorReport, k: int = 3) -> Answer:
        """Answer an error that is already modelled (a sandbox run's), without printing and
        re-parsing it."""
        return self._answer(query_of_error(error), k)

    def _answer(self, query: ParsedQuery, k: int) -> Answer:
        query, hits = self.retriever.search(query, k=max(k, 1))
        commands = tuple(filter(None, [suggested_command(query.error)]))
        return compose(self.documents, query, hits[:k], decide(hits), changes_for_query(query), commands)
