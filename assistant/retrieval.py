"""Hybrid retrieval: error signatures, BM25 and dense similarity, fused by reciprocal rank.

Each signal ranks whole documents (a document ranks by its best chunk), and the ranks are fused
with weighted reciprocal-rank fusion. A declared error pattern that matches the user's message is
the strongest evidence there is, so it weighs most; when it accounts for nearly all of the message
the dense search (and with it the embedding model) is skipped altogether.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kb.patterns import ErrorPattern, PatternMatch
from kb.store import ChunkHit, Store

from assistant.query import ParsedQuery

RRF_K = 10
WEIGHTS = {"signature": 2.0, "lexical": 1.0, "dense": 1.0}
EXACT_COVERAGE = 0.8  # a pattern covering this much of the message needs no dense search
CANDIDATES = 50


@dataclass
class DocumentHit:
    source: str
    score: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)
    signature: PatternMatch | None = None
    dense: float = 0.0
    best_chunk: int | None = None


class Retriever:
    def __init__(self, store: Store, embed_query: Callable[[str], object]) -> None:
        self.store = store
        self.embed_query = embed_query
        self.patterns = [(source, ErrorPattern(text)) for source, text in store.patterns()]

    def signature_matches(self, query: ParsedQuery) -> list[tuple[str, PatternMatch]]:
        """Documents whose declared patterns match the message, best coverage first, one per doc."""
        message = query.message if query.message is not None else query.text
        best: dict[str, PatternMatch] = {}
        for source, pattern in self.patterns:
            match = pattern.match(message)
            if match and (source not in best or match.coverage > best[source].coverage):
                best[source] = match
        return sorted(best.items(), key=lambda item: -item[1].coverage)

    def search(self, query: ParsedQuery, k: int = 5) -> list[DocumentHit]:
        hits: dict[str, DocumentHit] = {}
        signatures = self.signature_matches(query)
        for rank, (source, match) in enumerate(signatures, 1):
            hits.setdefault(source, DocumentHit(source)).signature = match
            _add_rank(hits, source, "signature", rank)
        text = query.search_text
        self._add_chunk_ranks(hits, "lexical", self.store.lexical_search(text, CANDIDATES))
        exact = bool(signatures) and signatures[0][1].coverage >= EXACT_COVERAGE
        if not exact:
            dense = self.store.dense_search(self.embed_query(text), CANDIDATES)
            self._add_chunk_ranks(hits, "dense", dense)
        return sorted(hits.values(), key=lambda hit: -hit.score)[:k]

    def _add_chunk_ranks(self, hits: dict[str, DocumentHit], signal: str, chunks: list[ChunkHit]) -> None:
        seen: set[str] = set()
        for chunk in chunks:
            if chunk.source in seen:
                continue
            seen.add(chunk.source)
            hit = hits.setdefault(chunk.source, DocumentHit(chunk.source))
            _add_rank(hits, chunk.source, signal, len(seen))
            if signal == "dense":
                hit.dense = chunk.score
            if hit.best_chunk is None or signal == "dense":
                hit.best_chunk = chunk.chunk_id


def _add_rank(hits: dict[str, DocumentHit], source: str, signal: str, rank: int) -> None:
    hit = hits[source]
    hit.ranks[signal] = rank
    hit.score += WEIGHTS[signal] / (RRF_K + rank)
