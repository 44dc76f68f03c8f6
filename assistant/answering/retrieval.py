"""Hybrid retrieval: error signatures, BM25 and dense similarity, fused by reciprocal rank.

Each signal ranks whole documents (a document ranks by its best chunk), and the ranks are fused
with weighted reciprocal-rank fusion. A declared error pattern that matches the user's message is
the strongest evidence there is, so it weighs most; when it accounts for nearly all of the message
the dense search (and with it the embedding model) is skipped altogether. Pasted code has one more
signal: how much it reads like each entry's broken example (assistant.answering.code_match).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from kb.patterns import ErrorPattern, PatternMatch
from kb.store import ChunkHit, Store

from assistant.answering.error_model import ErrorReport
from assistant.answering.query import ParsedQuery

if TYPE_CHECKING:  # code_match needs numpy, which an exact error answered cold never loads
    from assistant.answering.code_match import CodeIndex

RRF_K = 10
SIGNATURE_RRF_K = 3  # smaller than RRF_K: a pattern that explains more of a message outranks one that explains less
SECONDARY_OFFSET = 0.1  # how far behind a shared message's owner an entry listing it after its own ranks
WEIGHTS = {"signature": 2.0, "lexical": 1.0, "dense": 1.0, "code": 1.0}
EXACT_COVERAGE = 0.8  # a pattern covering this much of the message needs no dense search
NUMBERS_DENSE_SHARE = 0.5  # of its weight dense search keeps on a paste of mostly numbers (a log)
QUESTION_LEXICAL_CHUNKS = 2  # a question's document scores by words with this many of its best chunks
CANDIDATES = 50


@dataclass
class DocumentHit:
    source: str
    score: float = 0.0
    ranks: dict[str, float] = field(default_factory=dict)  # 1.1: just behind (see _signature_ranks)
    signature: PatternMatch | None = None
    dense: float = 0.0
    best_chunk: int | None = None
    about_error: bool = False  # the query was an exception's message (see confidence.decide)
    raised_elsewhere: str | None = None  # the non-torch library that raised it (ErrorReport.raised_elsewhere)
    closeness: float = 0.0  # breaks ties of `score`: how near each search's best this document came (see fuse)


@dataclass(frozen=True)
class Signals:
    """What each retriever found for one query, before fusion (kept apart so that fusion
    weights can be tuned without searching again)."""

    signature: list[tuple[str, PatternMatch]]
    lexical: list[ChunkHit]
    dense: list[ChunkHit]
    about_error: bool = False  # the query is an exception's message, not a question or code
    secondary: frozenset[str] = frozenset()  # sources whose matching pattern is not their first
    raised_elsewhere: str | None = None
    code: list[tuple[str, float]] = field(default_factory=list)  # pasted code's likeness to broken examples
    mostly_numbers: bool = False  # a log of printed values, no error (ParsedQuery.mostly_numbers)


class Retriever:
    def __init__(self, store: Store, embed_query: Callable[[str], object]) -> None:
        self.store = store
        self.embed_query = embed_query
        self._patterns: tuple[int, list[tuple[str, ErrorPattern]], frozenset[tuple[str, str]]] | None = None
        self._code_index: tuple[int, CodeIndex] | None = None

    @property
    def code_index(self) -> CodeIndex:
        """The broken examples of the index as it is now, rebuilt after an ingest (as `patterns`)."""
        generation = self.store.generation
        if self._code_index is None or self._code_index[0] != generation:
            from assistant.answering.code_match import CodeIndex  # noqa: PLC0415 (numpy, for code queries only)

            documents = (self.store.document(source) for source in self.store.sources())
            self._code_index = (generation, CodeIndex.of_documents(documents))
        return self._code_index[1]

    @property
    def patterns(self) -> list[tuple[str, ErrorPattern]]:
        """The declared error patterns of the index as it is now: an ingest bumps the store's
        generation, and a long-lived server must answer exactly as a fresh process would."""
        return self._current_patterns()[1]

    def is_primary(self, source: str, match: PatternMatch) -> bool:
        """Whether the pattern that matched is the first its entry lists: the message the entry
        is about (an entry lists its own message first, and after it the messages it also explains)."""
        return (source, match.pattern.text) in self._current_patterns()[2]

    def _current_patterns(self) -> tuple[int, list[tuple[str, ErrorPattern]], frozenset[tuple[str, str]]]:
        generation = self.store.generation
        if self._patterns is None or self._patterns[0] != generation:
            declared = self.store.patterns()
            firsts = {}
            for source, text in declared:
                firsts.setdefault(source, text)
            self._patterns = (generation, [(source, ErrorPattern(text)) for source, text in declared],
                              frozenset(firsts.items()))
        return self._patterns

    def signature_matches(self, message: str, starting_within: int | None = None) -> list[tuple[str, PatternMatch]]:
        """Documents whose declared patterns match the message, best coverage first, one per doc.
        With `starting_within`, only matches that begin in the message's first that many
        characters count: the lines printed after a message may continue it, but a pattern that
        matches only them (a generic suffix, a warning further down the log) explains nothing."""
        best: dict[str, PatternMatch] = {}
        for source, pattern in self.patterns:
            match = pattern.match(message)
            if match and starting_within is not None and pattern.regex.search(message).start() >= starting_within:
                continue
            if match and (source not in best or match.coverage > best[source].coverage):
                best[source] = match
        return sorted(best.items(), key=lambda item: _specificity(item[1]), reverse=True)

    def link_matches(self, query: ParsedQuery, link: ErrorReport) -> tuple[ErrorReport, list[tuple[str, PatternMatch]]]:
        """The signature matches of one link of the chain: of its message alone, or of the message
        with the lines printed after it when a pattern explains more of that than any pattern
        explains of the message (the decisive line of torch's weights-only refusal comes after
        a blank line); then the link is answered with that longer message."""
        matches = self.signature_matches(link.message)
        continued = query.continued_message(link)
        if not continued:
            return link, matches
        first_line = link.message.split("\n", 1)[0]
        longer = self.signature_matches(continued, starting_within=len(first_line) + 1 if first_line else None)
        if longer and _explained(longer[0][1], continued) > max((_explained(m, link.message) for _, m in matches), default=0):
            return replace(link, message=continued), longer
        return link, matches

    def focus(self, query: ParsedQuery) -> tuple[ParsedQuery, list[tuple[str, PatternMatch]]]:
        """The link of the error chain to answer about, with its signature matches: the first link
        a declared pattern explains, the failures a wrapper (a DataLoader worker's or a rank's
        re-raise) carried before the wrapper itself. The wrapper is answered only when no entry
        explains what it carried (a KeyError in the user's __getitem__): then its entry, which says
        where the real error is and how to see it, is the honest answer."""
        if query.error is None:
            return query, self.signature_matches(query.text)
        chain = (query.raised or query.error).chain
        carried = [link for link in chain if not link.is_wrapper]
        for link in carried + [link for link in chain if link.is_wrapper]:
            explained, matches = self.link_matches(query, link)
            if matches:
                return query.about(explained), matches
        return query, []

    def gather(self, query: ParsedQuery) -> tuple[ParsedQuery, Signals]:
        query, signatures = self.focus(query)
        if _shared_top(signatures) and signatures[0][1].coverage >= EXACT_COVERAGE:
            return query, self._between_sharers(query, signatures)
        text = query.search_text
        lexical = self.store.lexical_search(_with_context(query) if len(signatures) > 1 else text, CANDIDATES)
        exact = bool(signatures) and signatures[0][1].coverage >= EXACT_COVERAGE
        dense = [] if exact else self.store.dense_search(self.embed_query(text), CANDIDATES)
        secondary = frozenset(source for source, match in signatures if not self.is_primary(source, match))
        return query, Signals(signatures, lexical, dense, about_error=query.error is not None, secondary=secondary,
                       raised_elsewhere=query.error.raised_elsewhere if query.error else None,
                       code=self.code_likeness(query), mostly_numbers=query.mostly_numbers)

    def code_likeness(self, query: ParsedQuery) -> list[tuple[str, float]]:
        """For pasted code, the entries whose broken example it reads like, best first; nothing for
        the other kinds of query, whose retrieval this signal leaves exactly as it was."""
        return self.code_index.ranked(query.text, CANDIDATES) if query.kind == "code" else []

    def _between_sharers(self, query: ParsedQuery, signatures: list[tuple[str, PatternMatch]]) -> Signals:
        """Signals for a message that several entries explain alike (one message, two causes): the
        message itself cannot choose, so only the rest of the paste may (its frames and words,
        searched lexically and by meaning); with nothing else pasted, the entry whose own message
        it is leads."""
        context = query.context_text.strip()
        lexical = self.store.lexical_search(context, CANDIDATES) if context else []
        dense = self.store.dense_search(self.embed_query(context), CANDIDATES) if context else []
        secondary = frozenset(source for source, match in signatures if not self.is_primary(source, match))
        return Signals(signatures, lexical, dense, about_error=query.error is not None, secondary=secondary,
                       raised_elsewhere=query.error.raised_elsewhere if query.error else None)

    def search(self, query: ParsedQuery, k: int = 5) -> tuple[ParsedQuery, list[DocumentHit]]:
        query, signals = self.gather(query)
        return query, fuse(signals, WEIGHTS)[:k]


def _with_context(query: ParsedQuery) -> str:
    """The error, then the rest of the paste: the words lexical search weighs between entries
    that all explain the message (its terms come first, so the message still counts most)."""
    return f"{query.search_text}\n{query.context_text}"


def _explained(match: PatternMatch, text: str) -> float:
    """How many characters of `text` a match accounts for."""
    return match.coverage * len(text.strip())


def _specificity(match: PatternMatch) -> tuple[float, int]:
    """How well a pattern explains a message: its coverage, then how much of it is fixed text."""
    return round(match.coverage, 6), _literal_length(match)


def _shared_top(signatures: list[tuple[str, PatternMatch]]) -> bool:
    """Whether the best-explained message is explained as well by another entry (one message, two
    causes): then the message cannot choose, and the rest of the query must."""
    return len(signatures) > 1 and _specificity(signatures[0][1]) == _specificity(signatures[1][1])


def _signature_ranks(signatures: list[tuple[str, PatternMatch]], secondary: frozenset[str] = frozenset()) -> list[float]:
    """Competition ranks (1, 1, 3) of the sorted signature matches: entries whose patterns explain
    the message equally well share a rank, so lexical and dense search decide between them. Of
    such entries, one that lists the message only among the others it also explains stands a
    little behind one whose own message it is: a bare message goes to the entry about it, while
    the rest of a query that speaks for the other entry (a frame, a word) still moves it ahead."""
    ranks: list[int] = []
    for position, (_, match) in enumerate(signatures):
        tied = position and _specificity(match) == _specificity(signatures[position - 1][1])
        ranks.append(ranks[-1] if tied else position + 1)
    owned = {rank for rank, (source, _) in zip(ranks, signatures) if source not in secondary}
    return [rank + SECONDARY_OFFSET if source in secondary and rank in owned else rank
            for rank, (source, _) in zip(ranks, signatures)]


def _literal_length(match: PatternMatch) -> int:
    """How much of a pattern is fixed text: of two patterns that cover a message alike, the one that
    spells it out ("got Half and Float") is more specific than one with placeholders."""
    return sum(map(len, match.pattern.literals))


def _words_overrule_message(signals: Signals) -> bool:
    """Whether a question quotes a message that its own words place elsewhere: lexical and dense
    search both put first one entry, and the message's entry is another. The message is then a
    symptom of the situation the question describes (the "element 0 of tensors does not require
    grad" of a frozen input under gradient checkpointing, the `'model_state_dict'` key of a
    tutorial checkpoint), which that entry explains; a pasted error is always answered by its message."""
    if signals.about_error or not (signals.signature and signals.lexical and signals.dense):
        return False
    return signals.lexical[0].source == signals.dense[0].source != signals.signature[0][0]


def fuse(signals: Signals, weights: dict[str, float], rrf_k: int = RRF_K,
         signature_k: float = SIGNATURE_RRF_K) -> list[DocumentHit]:
    """Weighted reciprocal-rank fusion over documents (each ranked by its best chunk; by words,
    a question's document by its best two, see `_documents`).

    Ranks alone tie often between two close entries: one first by words and second by meaning,
    the other the other way round. Then the search that put its first clearly ahead decides:
    each document also collects its score as a share of that search's best, and of two equal
    fused scores the larger sum of shares leads (a cosine of 0.73 against 0.68 outweighs a BM25
    of 23.5 against 23.2).

    On a log of printed values the dense ranks count for less: numbers are what the embedding model
    reads worst, and the log's few words are what lexical search matches."""
    hits: dict[str, DocumentHit] = {}
    weights = {**weights, "dense": weights["dense"] * NUMBERS_DENSE_SHARE} if signals.mostly_numbers else weights

    def add(source: str, signal: str, rank: float) -> DocumentHit:
        hit = hits.setdefault(source, DocumentHit(source, about_error=signals.about_error,
                                                  raised_elsewhere=signals.raised_elsewhere))
        hit.ranks[signal] = rank
        hit.score += weights[signal] / ((signature_k if signal == "signature" and signals.about_error else rrf_k) + rank)
        return hit

    signature = [] if _words_overrule_message(signals) else signals.signature
    for rank, (source, match) in zip(_signature_ranks(signature, signals.secondary), signature):
        add(source, "signature", rank).signature = match
    for rank, (source, _) in enumerate(signals.code, 1):
        add(source, "code", rank)
    question = not (signals.about_error or signals.mostly_numbers)
    for signal, chunks in (("lexical", signals.lexical), ("dense", signals.dense)):
        documents = _documents(chunks, QUESTION_LEXICAL_CHUNKS if question and signal == "lexical" else 1)
        for rank, (chunk, score) in enumerate(documents, start=1):
            hit = add(chunk.source, signal, rank)
            hit.closeness += score / documents[0][1] if documents[0][1] > 0 else 0.0
            if signal == "dense":
                hit.dense = chunk.score
            if hit.best_chunk is None or signal == "dense":
                hit.best_chunk = chunk.chunk_id
    return sorted(hits.values(), key=lambda hit: (-round(hit.score, 12), -hit.closeness))


def _documents(chunks: list[ChunkHit], depth: int) -> list[tuple[ChunkHit, float]]:
    """Each document's best chunk with the document's score, the sum of its `depth` best chunks'
    scores, best first. A question's words spread over what an entry says in several sections
    (the symptom, the cause, the fix): the entry about that situation matches them in more than
    one, an entry that merely mentions a term matches it once."""
    best: dict[str, ChunkHit] = {}
    scores: dict[str, list[float]] = {}
    for chunk in chunks:
        best.setdefault(chunk.source, chunk)
        scores.setdefault(chunk.source, []).append(chunk.score)
    total = {source: sum(sorted(values, reverse=True)[:depth]) for source, values in scores.items()}
    return sorted(((best[source], total[source]) for source in best), key=lambda item: -item[1])
