"""Whether an answer to pasted code deserves to be called confident.

Code carries no error message, so the evidence that makes error answers confident is missing,
and the code's text resembling an entry's example is weak evidence: correct code resembles the
entries about its layers just as much (issue #12: 4 of 89 correct files got a confident answer
from text similarity). An answer about code is confident only when the code itself was caught in
the situation: an entry's detector recognised it, or the error that running it (abstractly, or
for real with `--run`) raised is explained by the top entry's declared pattern.
"""

from __future__ import annotations

from assistant.answering.confidence import CALIBRATED, Match, decide
from assistant.answering.retrieval import DocumentHit

_TIE = 0.05  # patterns whose coverage of the message differs by less explain it equally well


def decide_on_code(hits: list[DocumentHit], *, detected: bool, raised: bool) -> Match:
    """`detected`: the top entry's detector found the situation in the code; `raised`: `hits`
    answer the error the code raised rather than the code's text."""
    if not hits:
        return "none"
    if detected:
        return "confident"
    if raised:
        return "confident" if _singled_out(hits) else "weak"
    return "none" if decide(hits) == "none" else "weak"


def _singled_out(hits: list[DocumentHit]) -> bool:
    """The top entry's pattern explains the error, and no other entry's explains it as well: two
    entries declaring the same message (a BatchNorm1d on [B, L, C], and BatchNorm1d used on sequence
    features at all) leave the choice to retrieval over the code, which is not strong evidence."""
    top = hits[0].signature
    if top is None or top.coverage < CALIBRATED.signature:
        return False
    return not any(hit.signature is not None and hit.signature.coverage >= top.coverage - _TIE for hit in hits[1:])
