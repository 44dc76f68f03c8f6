"""Whether the best match deserves to be shown as the answer.

A confident wrong answer costs a user more than an honest "not found", so the decision uses only
evidence that is hard to fake: a declared error pattern that accounts for most of the message, or
a dense similarity high enough that it was right on the dev set (`benchmarks/calibrate.py` measures
these thresholds on `benchmarks/devset.jsonl` and prints the values to put here).

An exception's message is explained by the entries that declare it. When no declared pattern
matches one, no entry claims that message, so text similarity alone can only make a match weak:
an unrelated error worded like a known one (a linear-algebra failure beside a removed-API entry)
must not be answered as if it were that one. A pattern that matches part of a long message (its
decisive line inside torch's advice) does claim it, so agreeing signals may still make that match
confident; so they may for questions, logs and code, which have no message to declare.

A traceback that shows the exception raised inside a library that does not run on torch (pandas,
TensorFlow, PyYAML, ...) without ever passing through torch is that library's own error: a torch
entry whose pattern reads the same (a missing file, a shared library that cannot be opened) may
be related, so it is shown, but never as the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.answering.retrieval import DocumentHit

Match = Literal["confident", "weak", "none"]


@dataclass(frozen=True)
class Thresholds:
    signature: float  # share of the message a matching pattern must cover
    dense_confident: float  # cosine of the best chunk, when the signals agree
    dense_weak: float


# From `python benchmarks/calibrate.py` (274 dev queries, all-MiniLM-L6-v2): 155 confident and
# right, 8 confident and wrong (precision 0.951, also on held-out folds); none of the 38
# negatives answered confidently, 26 of them answered "none". Rechecked on the three dev sets
# after signatures got their own fusion scale: devset.jsonl calibrates to these same values;
# devset-fresh (380 confident right, 6 wrong, no negative confident) and devset-more would take
# dense_confident=0.5, which on devset-more adds 2 confident wrong answers and answers 6 more
# negatives "weak" instead of "none", so these values stay.
CALIBRATED = Thresholds(signature=0.3, dense_confident=0.65, dense_weak=0.5)


def decide(hits: list[DocumentHit], thresholds: Thresholds = CALIBRATED) -> Match:
    if not hits:
        return "none"
    top = hits[0]
    if top.raised_elsewhere:
        return "weak" if top.signature or top.dense >= thresholds.dense_weak else "none"
    if top.signature and top.signature.coverage >= thresholds.signature:
        return "confident"
    agreeing = sum(rank == 1 for rank in top.ranks.values())
    unexplained_error = top.about_error and top.signature is None
    if top.dense >= thresholds.dense_confident and agreeing >= 2 and not unexplained_error:
        return "confident"
    if top.signature or top.dense >= thresholds.dense_weak:
        return "weak"
    return "none"
