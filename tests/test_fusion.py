"""Reciprocal-rank fusion and the confidence decision, at and around their thresholds."""

import pytest

from kb.documents import parse_markdown
from kb.patterns import ErrorPattern, PatternMatch
from kb.store import ChunkHit

from assistant.answering.confidence import CALIBRATED, decide
from assistant.answering.query import parse_query
from assistant.answering.retrieval import (RRF_K, SECONDARY_OFFSET, SIGNATURE_RRF_K, WEIGHTS, DocumentHit, Retriever,
                                           Signals, fuse)


def chunk(source: str, chunk_id: int, score: float = 0.0) -> ChunkHit:
    return ChunkHit(chunk_id=chunk_id, source=source, score=score)


def signature(coverage: float) -> PatternMatch:
    return PatternMatch(ErrorPattern("x {a}"), {"a": "1"}, coverage)


def test_fusion_adds_weighted_reciprocal_ranks_per_document():
    signals = Signals(signature=[("a", signature(0.9))],
                      lexical=[chunk("b", 1), chunk("a", 2)],
                      dense=[chunk("a", 3, 0.7), chunk("b", 4, 0.6)], about_error=True)
    hits = {hit.source: hit for hit in fuse(signals, WEIGHTS)}
    assert hits["a"].score == pytest.approx(WEIGHTS["signature"] / (SIGNATURE_RRF_K + 1) + WEIGHTS["lexical"] / (RRF_K + 2)
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


def test_an_error_no_pattern_explains_is_never_confident():
    unexplained = hit(dense=CALIBRATED.dense_confident + 0.2, first_in=3)
    unexplained.about_error = True
    assert decide([unexplained]) == "weak"


def test_an_error_a_pattern_explains_is_confident():
    explained = hit(coverage=CALIBRATED.signature)
    explained.about_error = True
    assert decide([explained]) == "confident"


def test_an_error_a_pattern_explains_in_part_can_be_confident_with_agreeing_signals():
    partly = hit(coverage=CALIBRATED.signature / 2, dense=CALIBRATED.dense_confident, first_in=3)
    partly.about_error = True
    assert decide([partly]) == "confident"


def test_fused_hits_say_whether_the_query_was_an_error():
    for about_error in (True, False):
        signals = Signals([], lexical=[chunk("a", 1)], dense=[chunk("a", 2, 0.9)], about_error=about_error)
        assert fuse(signals, WEIGHTS)[0].about_error is about_error


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


def test_entries_explaining_a_message_equally_share_a_signature_rank():
    same = PatternMatch(ErrorPattern("x {a}"), {"a": "1"}, 0.9)
    signals = Signals([("first", same), ("second", same), ("third", signature(0.5))],
                      lexical=[chunk("second", 1)], dense=[])
    hits = {hit.source: hit for hit in fuse(signals, WEIGHTS)}
    assert [hits[name].ranks["signature"] for name in ("first", "second", "third")] == [1, 1, 3]
    assert fuse(signals, WEIGHTS)[0].source == "second"  # the rest of the query decides


class SearchableStore(PatternsOnly):
    """Signature patterns, and a record of whether dense search ran."""

    def __init__(self, patterns: list[tuple[str, str]]) -> None:
        super().__init__(patterns)
        self.dense_searched = False

    def lexical_search(self, text: str, limit: int) -> list[ChunkHit]:
        return []

    def dense_search(self, query: object, limit: int) -> list[ChunkHit]:
        self.dense_searched = True
        return []


ONE = [("one", "frobnicator exploded with code {code}")]
TWO = ONE + [("two", "frobnicator exploded with code {n}")]
BARE = "RuntimeError: frobnicator exploded with code 42"
IN_A_TRACEBACK = ('Traceback (most recent call last):\n  File "/srv/run.py", line 3, in <module>\n    frob.start()\n'
                  + BARE + "\nthe frobnicator is the one from the nightly build\n")


@pytest.mark.parametrize("patterns, query, dense_searched", [
    (ONE, IN_A_TRACEBACK, False),  # the message is explained: nothing more to search for
    (TWO, IN_A_TRACEBACK, True),  # two causes: the rest of the paste must choose
    (TWO, BARE, False),  # nothing else pasted: the entry whose own message it is leads
])
def test_a_message_two_entries_explain_alike_is_decided_by_the_rest_of_the_paste(patterns, query, dense_searched):
    store = SearchableStore(patterns)
    Retriever(store, lambda text: None).gather(parse_query(query))
    assert store.dense_searched is dense_searched


def test_an_entry_that_lists_a_shared_message_after_its_own_stands_a_little_behind():
    store = SearchableStore([("owner", "frobnicator exploded with code {code}"),
                             ("other", "widget is broken"), ("other", "frobnicator exploded with code {n}")])
    retriever = Retriever(store, lambda text: None)
    _, signals = retriever.gather(parse_query("RuntimeError: frobnicator exploded with code 42"))
    assert signals.secondary == {"other"}
    hits = {hit.source: hit for hit in fuse(signals, WEIGHTS)}
    assert (hits["owner"].ranks["signature"], hits["other"].ranks["signature"]) == (1, 1 + SECONDARY_OFFSET)
    assert fuse(signals, WEIGHTS)[0].source == "owner"  # a bare message goes to the entry about it
    words = Signals(signals.signature, lexical=[chunk("other", 1), chunk("owner", 2)],
                    dense=[chunk("other", 3, 0.7), chunk("owner", 4, 0.6)], secondary=signals.secondary)
    assert fuse(words, WEIGHTS)[0].source == "other"  # the rest of the query speaks for it


def test_lines_printed_after_a_message_count_only_for_a_pattern_that_starts_in_it():
    store = PatternsOnly([("refusal", "Weights only load failed"),
                          ("not-a-checkpoint", "Weights only load failed{*}Unsupported operand {operand}"),
                          ("suffix", "For debugging consider passing CUDA_LAUNCH_BLOCKING=1")])
    retriever = Retriever(store, lambda text: None)
    query = parse_query('Traceback (most recent call last):\n  File "a.py", line 1, in <module>\n'
                        "_pickle.UnpicklingError: Weights only load failed. Re-running will succeed.\n\n"
                        "Unsupported operand 60\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1\n")
    _, matches = retriever.focus(query)
    assert [source for source, _ in matches] == ["not-a-checkpoint", "refusal"]
    bare = parse_query("RuntimeError: CUDA error: unspecified launch failure\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1")
    assert retriever.focus(bare)[1] == []  # a generic suffix explains nothing


def test_a_pattern_that_spells_out_more_of_the_message_outweighs_words_that_favour_a_generic_one():
    store = PatternsOnly([("generic", "modified by an inplace operation: {x}, which is output 0 of {op}, is at"),
                          ("specific", "modified by an inplace operation: {x}, which is output 0 of AsStrided, is at")])
    matches = Retriever(store, lambda text: None).signature_matches(
        "modified by an inplace operation: [8, 1], which is output 0 of AsStrided, is at version 2")
    signals = Signals(matches, lexical=[chunk("generic", 1), chunk("specific", 2)],
                      dense=[chunk("generic", 3, 0.8), chunk("specific", 4, 0.6)], about_error=True)
    assert fuse(signals, WEIGHTS)[0].source == "specific"


def test_a_pattern_found_in_a_question_weighs_like_any_other_signal():
    """In an error's message a pattern is the strongest evidence; in a question's words it may be
    a quoted fragment ('model_state_dict'), so there it ranks on the common scale."""
    signals = Signals([("a", signature(0.1))], lexical=[], dense=[], about_error=False)
    assert fuse(signals, WEIGHTS)[0].score == pytest.approx(WEIGHTS["signature"] / (RRF_K + 1))


def test_ranks_that_tie_are_decided_by_the_search_whose_first_is_further_ahead():
    by_words = Signals([], lexical=[chunk("a", 1, 23.5), chunk("b", 2, 23.2)],
                       dense=[chunk("b", 3, 0.73), chunk("a", 4, 0.68)])
    assert fuse(by_words, WEIGHTS)[0].source == "b"  # 0.68 is further behind 0.73 than 23.2 is behind 23.5
    by_meaning = Signals([], lexical=[chunk("a", 1, 30.0), chunk("b", 2, 20.0)],
                         dense=[chunk("b", 3, 0.70), chunk("a", 4, 0.69)])
    assert fuse(by_meaning, WEIGHTS)[0].source == "a"


def test_on_a_log_of_numbers_dense_ranks_count_for_less():
    ranks = dict(lexical=[chunk("words", 1, 9.0), chunk("meaning", 2, 8.0)],
                 dense=[chunk("meaning", 3, 0.6), chunk("other", 4, 0.5), chunk("words", 5, 0.4)])
    assert fuse(Signals([], **ranks), WEIGHTS)[0].source == "meaning"
    assert fuse(Signals([], **ranks, mostly_numbers=True), WEIGHTS)[0].source == "words"


def test_a_message_quoted_in_a_question_yields_to_the_entry_its_words_and_meaning_agree_on():
    quoted = dict(lexical=[chunk("situation", 1, 9.0), chunk("message", 2, 8.0)],
                  dense=[chunk("situation", 3, 0.7), chunk("other", 4, 0.6), chunk("message", 5, 0.5)])
    assert fuse(Signals([("message", signature(0.4))], **quoted), WEIGHTS)[0].source == "situation"
    pasted = Signals([("message", signature(0.4))], **quoted, about_error=True)
    assert fuse(pasted, WEIGHTS)[0].source == "message"  # a pasted error is answered by its message
    split = Signals([("message", signature(0.4))], lexical=quoted["lexical"],
                    dense=[chunk("other", 4, 0.6), chunk("situation", 3, 0.5)])
    assert fuse(split, WEIGHTS)[0].source == "message"  # words and meaning disagree: the message counts


def test_by_words_a_question_ranks_an_entry_by_its_two_best_chunks():
    chunks = [chunk("mentions", 1, 10.0), chunk("about", 2, 8.0), chunk("about", 3, 7.0), chunk("mentions", 4, 1.0)]
    question = fuse(Signals([], lexical=chunks, dense=[]), WEIGHTS)
    assert [hit.source for hit in question] == ["about", "mentions"]
    assert question[0].best_chunk == 2
    error = fuse(Signals([], lexical=chunks, dense=[], about_error=True), WEIGHTS)
    assert [hit.source for hit in error] == ["mentions", "about"]  # an error's words: the best chunk


PANDAS_MISSING_FILE = '''Traceback (most recent call last):
  File "/home/ana/etl/load.py", line 5, in <module>
    frame = pd.read_csv("rows.csv")
  File "/opt/venv/lib/python3.11/site-packages/pandas/io/parsers/readers.py", line 1026, in read_csv
    return _read(filepath_or_buffer, kwds)
FileNotFoundError: [Errno 2] No such file or directory: 'rows.csv'
'''


def test_an_error_raised_inside_another_library_off_torch_is_never_confident():
    report = parse_query(PANDAS_MISSING_FILE).error
    assert report is not None and report.raised_elsewhere == "pandas"
    signals = Signals([("data-entry", signature(1.0))], lexical=[], dense=[], about_error=True,
                      raised_elsewhere=report.raised_elsewhere)
    top = fuse(signals, WEIGHTS)
    assert top[0].source == "data-entry" and decide(top) == "weak"  # still shown, never as the answer


def test_the_same_library_error_on_a_path_through_torch_is_torchs_to_explain():
    through_torch = PANDAS_MISSING_FILE.replace(
        '  File "/opt/venv/lib/python3.11/site-packages/pandas',
        '  File "/opt/venv/lib/python3.11/site-packages/torch/utils/data/dataset.py", line 9, in __getitem__\n'
        '    return self.read(i)\n  File "/opt/venv/lib/python3.11/site-packages/pandas')
    assert parse_query(through_torch).error.raised_elsewhere is None
    raised_by_user = PANDAS_MISSING_FILE.replace("/opt/venv/lib/python3.11/site-packages/pandas/io/parsers", "/home/ana/etl")
    assert parse_query(raised_by_user).error.raised_elsewhere is None


def test_code_likeness_is_fused_like_the_other_signals():
    signals = Signals([], lexical=[chunk("b", 1)], dense=[], code=[("a", 7.5), ("b", 2.0)])
    hits = {hit.source: hit for hit in fuse(signals, WEIGHTS)}
    assert hits["a"].ranks == {"code": 1} and hits["a"].score == pytest.approx(WEIGHTS["code"] / (RRF_K + 1))
    assert hits["b"].score == pytest.approx(WEIGHTS["lexical"] / (RRF_K + 1) + WEIGHTS["code"] / (RRF_K + 2))


class WithExamples(SearchableStore):
    """Entries with broken examples, searched by nothing else."""

    def __init__(self, examples: dict[str, str]) -> None:
        super().__init__([("view-entry", "view size is not compatible with input tensor's size and stride")])
        self._documents = {source: parse_markdown(f"---\nid: {source}\ntitle: t\nkind: error\n---\n\n"
                                                  f"## Broken example\n```python\n{code}\n```\n", source=source)
                           for source, code in examples.items()}

    def sources(self) -> list[str]:
        return list(self._documents)

    def document(self, source: str):
        return self._documents[source]


def test_only_pasted_code_is_searched_by_its_likeness_to_broken_examples():
    retriever = Retriever(WithExamples({"view-entry": "y = x.transpose(0, 1).view(-1)", "load-entry": "torch.load(p)"}),
                          lambda text: None)
    _, code = retriever.gather(parse_query("h = feats.transpose(1, 2)\nflat = h.view(h.size(0), -1)\n"))
    assert [source for source, _ in code.code] == ["view-entry"]
    _, error = retriever.gather(parse_query("RuntimeError: view size is not compatible with input tensor's size and stride"))
    assert error.code == []  # an error's retrieval is what it was
