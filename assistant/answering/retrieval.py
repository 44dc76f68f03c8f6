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

from assistant.answering.query import ParsedQuery

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
    about_error: bool = False  # the query was an exception's message (see confidence.decide)


@dataclass(frozen=True)
class Signals:
    """What each retriever found for one query, before fusion (kept apart so that fusion
    weights can be tuned without searching again)."""

    signature: list[tuple[str, PatternMatch]]
    lexical: list[ChunkHit]
    dense: list[ChunkHit]
    about_error: bool = False  # the query is an exception's message, not a question or code


class Retriever:
    def __init__(self, store: Store, embed_query: Callable[[str], object]) -> None:
        self.store = store
        self.embed_query = embed_query
        self._patterns: tuple[int, list[tuple[str, ErrorPattern]]] | None = None

    @property
    def patterns(self) -> list[tuple[str, ErrorPattern]]:
        """The declared error patterns of the index as it is now: an ingest bumps the store's
        generation, and a long-lived server must answer exactly as a fresh process would."""
        generation = self.store.generation
        if self._patterns is None or self._patterns[0] != generation:
            self._patterns = (generation, [(source, ErrorPattern(text)) for source, text in self.store.patterns()])
        return self._patterns[1]

    def signature_matches(self, message: str) -> list[tuple[str, PatternMatch]]:
        """Documents whose declared patterns match the message, best coverage first, one per doc."""
        best: dict[str, PatternMatch] = {}
        for source, pattern in self.patterns:
            match = pattern.match(message)
            if match and (source not in best or match.coverage > best[source].coverage):
                best[source] = match
        return sorted(best.items(), key=lambda item: _specificity(item[1]), reverse=True)

    def focus(self, query: ParsedQuery) -> tuple[ParsedQuery, list[tuple[str, PatternMatch]]]:
        """The link of the error chain to answer about, with its signature matches: the first link
        a declared pattern explains. A wrapper (a DataLoader worker's or a rank's re-raise) is
        answered for itself only when it carries no failure of its own: the failure it carried,
        even one no pattern explains, says more than the wrapper's generic advice."""
        if query.error is None:
            return query, self.signature_matches(query.text)
        chain = (query.raised or query.error).chain
        carried = [link for link in chain if not link.is_wrapper]
        for link in carried or chain:
            if matches := self.signature_matches(link.message):
                return query.about(link), matches
        return query, []

    def gather(self, query: ParsedQuery) -> tuple[ParsedQuery, Signals]:
        query, signatures = self.focus(query)
        text = query.search_text
        lexical = self.store.lexical_search(text, CANDIDATES)
        exact = bool(signatures) and signatures[0][1].coverage >= EXACT_COVERAGE and not _shared_top(signatures)
        dense = [] if exact else self.store.dense_search(self.embed_query(text), CANDIDATES)
        return query, Signals(signatures, lexical, dense, about_error=query.error is not None)

    def search(self, query: ParsedQuery, k: int = 5) -> tuple[ParsedQuery, list[DocumentHit]]:
        query, signals = self.gather(query)
        return query, fuse(signals, WEIGHTS)[:k]


def _specificity(match: PatternMatch) -> tuple[float, int]:
    """How well a pattern explains a message: its coverage, then how much of it is fixed text."""
    return round(match.coverage, 6), _literal_length(match)


def _shared_top(signatures: list[tuple[str, PatternMatch]]) -> bool:
    """Whether the best-explained message is explained as well by another entry (one message, two
    causes): then the message cannot choose, and the rest of the query must."""
    return len(signatures) > 1 and _specificity(signatures[0][1]) == _specificity(signatures[1][1])


def _signature_ranks(signatures: list[tuple[str, PatternMatch]]) -> list[int]:
    """Competition ranks (1, 1, 3) of the sorted signature matches: entries whose patterns explain
    the message equally well share a rank, so lexical and dense search decide between them."""
    ranks: list[int] = []
    for position, (_, match) in enumerate(signatures):
        tied = position and _specificity(match) == _specificity(signatures[position - 1][1])
        ranks.append(ranks[-1] if tied else position + 1)
    return ranks


def _literal_length(match: PatternMatch) -> int:
    """How much of a pattern is fixed text: of two patterns that cover a message alike, the one that
    spells it out ("got Half and Float") is more specific than one with placeholders."""
    return sum(map(len, match.pattern.literals))


def fuse(signals: Signals, weights: dict[str, float], rrf_k: int = RRF_K) -> list[DocumentHit]:
    """Weighted reciprocal-rank fusion over documents (each ranked by its best chunk)."""
    hits: dict[str, DocumentHit] = {}

    def add(source: str, signal: str, rank: int) -> DocumentHit:
        hit = hits.setdefault(source, DocumentHit(source, about_error=signals.about_error))
        hit.ranks[signal] = rank
        hit.score += weights[signal] / (rrf_k + rank)
        return hit

    for rank, (source, match) in zip(_signature_ranks(signals.signature), signals.signature):
        add(source, "signature", rank).signature = match
    for signal, chunks in (("lexical", signals.lexical), ("dense", signals.dense)):
        seen: set[str] = set()
        for chunk in chunks:
            if chunk.source in seen:
                continue
            seen.add(chunk.source)
            hit = add(chunk.source, signal, len(seen))
            if signal == "dense":
                hit.dense = chunk.score
            if hit.best_chunk is None or signal == "dense":
                hit.best_chunk = chunk.chunk_id
    return sorted(hits.values(), key=lambda hit: -hit.score)
