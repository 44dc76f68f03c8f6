"""Reciprocal-rank fusion and the confidence decision, at and around their thresholds."""

import pytest

from kb.patterns import ErrorPattern, PatternMatch
from kb.store import ChunkHit

from assistant.answering.confidence import CALIBRATED, decide
from assistant.answering.retrieval import RRF_K, WEIGHTS, DocumentHit, Retriever, Signals, fuse


def chunk(source: str, chunk_id: int, score: float = 0.0) -> ChunkHit:
    return ChunkHit(chunk_id=chunk_id, source=source, score=score)


def signature(coverage: float) -> PatternMatch:
    return PatternMatch(ErrorPattern("x {a}"), {"a": "1"}, coverage)


def test_fusion_adds_weighted_reciprocal_ranks_per_document():
    signals = Signals(signature=[("a", signature(0.9))],
                      lexical=[chunk("b", 1), chunk("a", 2)],
                      dense=[chunk("a", 3, 0.7), chunk("b", 4, 0.6)])
    hits = {hit.source: hit for hit in fuse(signals, WEIGHTS)}
    assert hits["a"].score == pytest.approx(WEIGHTS["signature"] / (RRF_K + 1) + WEIGHTS["lexical"] / (RRF_K + 2)
                                            + WEIGHTS["dense"] / (RRF_K + 1))
    assert hits["b"].score == pytest.approx(WEIGHTS["lexical"] / (RRF_K + 1) + WEIGHTS["dense"] / (RRF_K + 2))
    assert hits["a"].ranks == {"signature": 1, "lexical": 2, "dense": 1}
    assert [hit.source for hit in fuse(signals, WEIGHTS)] == ["a", "b"]


def test_a_document_ranks_by_its_best_chunk_and_keeps_the_dense_one():
    signals = Signals([], lexical=[chunk("a", 1), chunk("a", 2), chunk("b", 3)],
                      dense=[chunk("b", 5, 0.8), chunk("a", 4, 0.5), chunk("a", 6, 0.4)])
    hits = {hit.source: hit for hit in fuse(signals, WEIGHTS)}
    assert hits["a"].ranks == {"lexical": 1, "dense": 2}  # its second chunks do not count again
    assert hits["b"].ranks == {"lexical": 2, "dense": 1}
    assert (hits["a"].best_chunk, hits["a"].dense) == (4, 0.5)


def test_weights_decide_between_signals():
    signals = Signals([], lexical=[chunk("lex", 1)], dense=[chunk("dense", 2, 0.9)])
    assert fuse(signals, {"signature": 1.0, "lexical": 2.0, "dense": 1.0})[0].source == "lex"
    assert fuse(signals, {"signature": 1.0, "lexical": 1.0, "dense": 2.0})[0].source == "dense"


def hit(*, coverage: float | None = None, dense: float = 0.0, first_in: int = 0) -> DocumentHit:
    ranks = {name: 1 for name in ("signature", "lexical", "dense")[:first_in]}
    return DocumentHit("doc", 1.0, ranks, signature(coverage) if coverage is not None else None, dense)


def test_no_hits_is_none():
    assert decide([]) == "none"


@pytest.mark.parametrize("coverage, expected", [
    (CALIBRATED.signature, "confident"), (CALIBRATED.signature + 0.01, "confident"),
    (CALIBRATED.signature - 0.01, "weak"),
])
def test_signature_coverage_threshold(coverage, expected):
    assert decide([hit(coverage=coverage)]) == expected


@pytest.mark.parametrize("dense, agreeing, expected", [
    (CALIBRATED.dense_confident, 2, "confident"),
    (CALIBRATED.dense_confident - 0.01, 2, "weak"),
    (CALIBRATED.dense_confident + 0.2, 1, "weak"),  # one signal alone is never enough
    (CALIBRATED.dense_weak, 0, "weak"),
    (CALIBRATED.dense_weak - 0.01, 3, "none"),
])
def test_dense_thresholds_need_agreeing_signals(dense, agreeing, expected):
    assert decide([hit(dense=dense, first_in=agreeing)]) == expected


def test_only_the_top_hit_decides():
    assert decide([hit(dense=0.1), hit(coverage=1.0)]) == "none"


class PatternsOnly:
    """Just what signature matching reads from a store."""

    generation = 1

    def __init__(self, patterns: list[tuple[str, str]]) -> None:
        self._patterns = patterns

    def patterns(self) -> list[tuple[str, str]]:
        return self._patterns


def test_of_two_patterns_covering_a_message_alike_the_one_spelling_it_out_ranks_first():
    store = PatternsOnly([("generic", "must have the same dtype, but got {a} and {b}"),
                          ("half", "must have the same dtype, but got Half and Float")])
    matches = Retriever(store, lambda text: None).signature_matches("mat1 and mat2 must have the same dtype, but got Half and Float")
    assert [source for source, _ in matches] == ["half", "generic"]
    assert matches[0][1].coverage == matches[1][1].coverage
