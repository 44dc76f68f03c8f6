"""Answer pasted code that comes with no error: find the situation in the code itself.

The evidence is gathered strongest and cheapest first, and the first that finds something wins:

1. the entries' detectors (assistant.codecheck) read the syntax tree: fast, nothing runs;
2. the abstract run (assistant.repair.abstract_run) runs the code in the sandbox on shape-only
   tensors, and the error it raises is looked up like a pasted error; where two entries declare
   its message, what the run saw the layers given decides (a Linear fed an unflattened conv map is
   flatten-before-linear), else the answer is not confident;
3. only with `kb ask --run`, a real run in the sandbox (assistant.repair.probe, driven by the CLI).

When none finds anything, the code's text is searched like any query, but text similarity is never
a confident answer (assistant.answering.code_confidence). Every answer names the line of the
user's paste it is about, in the text and in the JSON's `code` object.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from assistant.answering.answer import Answer, Documents, compose
from assistant.answering.api_drift import changes_for_query
from assistant.answering.code_confidence import decide_on_code
from assistant.answering.error_model import ErrorReport
from assistant.answering.query import ParsedQuery
from assistant.answering.retrieval import DocumentHit, Retriever
from assistant.codecheck import Finding, check_source
from assistant.repair.layer_facts import FLATTEN_ENTRY, RANK_ENTRY, TENSOR_LIST_ENTRY, LayerFacts

if TYPE_CHECKING:
    from assistant.sandbox import SandboxResult

Evidence = Literal["detector", "abstract-run", "run", "text"]
_FRAGMENT_HEADER = "def _kb_fragment(self):\n"  # a method body pasted alone parses inside a method


@dataclass(frozen=True)
class CodeEvidence:
    """What the code showed by itself: detector findings, or the error a run of it raised."""

    how: Evidence
    findings: tuple[Finding, ...] = ()
    raised: ErrorReport | None = None  # the error of the abstract (or real) run, `line` in the paste
    layer: str = ""  # the layer that raised it and the user's shapes it got: "BatchNorm1d(128) receives [8, 12, 128]"

    @property
    def line(self) -> int | None:
        if self.findings:
            return self.findings[0].line
        return self.raised.line if self.raised is not None else None

    @property
    def note(self) -> str:
        """One line for the user: where in their code, and what."""
        if self.findings:
            first = self.findings[0]
            return f"line {first.line}: {first.message}"
        if self.raised is None:
            return ""
        frame = self.raised.user_frame
        where = f"line {self.raised.line}: `{frame.code}` raises" if self.raised.line and frame and frame.code else (
            f"line {self.raised.line} raises" if self.raised.line else "the code raises")
        ran = " (run on shape-only tensors)" if self.how == "abstract-run" else " (run in the sandbox)"
        layer = f" ({self.layer})" if self.layer else ""
        return f"{where} {self.raised.headline}{layer}{ran}"

    def to_json(self) -> dict[str, Any]:
        error = self.raised
        return {
            "evidence": self.how, "line": self.line, "note": self.note, "layer": self.layer or None,
            "findings": [{"line": f.line, "col": f.col, "id": f.entry_id, "message": f.message} for f in self.findings],
            "error": {"type": error.type, "message": error.message, "line": error.line} if error else None,
        }


@dataclass(frozen=True)
class CodeAnswer(Answer):
    """An answer to pasted code, with the evidence it rests on (the JSON's `code` object)."""

    code: CodeEvidence = CodeEvidence("text")

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "code": self.code.to_json()}


def gather_evidence(text: str, run: Callable[..., SandboxResult] | None = None) -> CodeEvidence:
    """Detectors first; the abstract run (in the sandbox: `run` is a run_source-like callable, a
    warm sandbox's in a server) only when they find nothing."""
    findings = detect(text)
    if findings:
        return CodeEvidence("detector", findings)
    from assistant.repair.abstract_run import run_abstractly  # the sandbox loads only when it is needed

    ran = run_abstractly(text, run)
    findings = (_unflattened(ran.facts, raised=ran.raised is not None) or _misflattened(ran.facts, ran.raised)
                or _channel_axis_missing(ran.facts, ran.raised) or _made_from_tensors(ran.facts, ran.raised))
    if ran.raised is None and not findings:
        return CodeEvidence("text")
    return CodeEvidence("abstract-run", findings, ran.raised, ran.facts.receives)


def _channel_axis_missing(facts: LayerFacts, raised: ErrorReport | None) -> tuple[Finding, ...]:
    """A one-channel conv given [N, L] (or [N, H, W]) reads it as one unbatched sample of N channels
    and says the channels differ, the message of conv-channel-mismatch; the shapes say the axis is
    missing (conv-input-rank)."""
    if raised is None or raised.line is None or not facts.channel_axis_missing:
        return ()
    return (Finding(raised.line, 1, RANK_ENTRY, facts.channel_axis_message),)


def _made_from_tensors(facts: LayerFacts, raised: ErrorReport | None) -> tuple[Finding, ...]:
    """`only one element tensors can be converted` is both entries' message: from torch.tensor() of a
    list of tensors (tensor-from-list-of-tensors) and from float()/.item() of one (item-multi-element)."""
    if raised is None or raised.line is None or not facts.from_tensors:
        return ()
    return (Finding(raised.line, 1, TENSOR_LIST_ENTRY, "torch.tensor() is given a list of tensors with more than "
                    "one element each; torch.stack() joins them"),)


def _unflattened(facts: LayerFacts, *, raised: bool) -> tuple[Finding, ...]:
    """The Linear the run saw fed an unflattened conv/pool map, as a finding of flatten-before-linear:
    it tells that entry from linear-shape-mismatch, whose message the Linear raises. Without an
    error (a LazyLinear adapts), only an image map ([N, C, H, W] and up) counts: a Linear over a
    [N, C, L] sequence's last axis is sometimes meant."""
    if facts.unflattened is None or facts.unflattened_line is None:
        return ()
    if not raised and len(facts.unflattened_shape) < 4:
        return ()
    return (Finding(facts.unflattened_line, 1, FLATTEN_ENTRY, facts.unflattened_message),)


def _misflattened(facts: LayerFacts, raised: ErrorReport | None) -> tuple[Finding, ...]:
    """A conv/pool map flattened to another width than the Linear after it reads (`Linear(64 * 5 * 5, ...)`
    on 28x28 images, whose map flattens to 64 * 4 * 4) is flatten-before-linear's hard-coded size, though
    the Linear raises linear-shape-mismatch's message: the fix is the head's size from the map."""
    if raised is None or facts.misflattened is None or facts.misflattened_line is None:
        return ()
    return (Finding(facts.misflattened_line, 1, FLATTEN_ENTRY, facts.misflattened_message),)


def ran_evidence(raised: ErrorReport, text: str) -> CodeEvidence:
    """The evidence of a real run (assistant.repair.probe, `kb ask --run`), with the line counted
    in the paste: the probe runs the code after its import prelude, and a harness after the code."""
    from assistant.repair.probe import PRELUDE

    offset, count = PRELUDE.count("\n"), len(text.splitlines())
    lines = [line - offset for line in raised.user_lines("snippet.py", count + offset) if line > offset]
    return CodeEvidence("run", raised=replace(raised, line=lines[-1] if lines else None))


def detect(text: str) -> tuple[Finding, ...]:
    """The detectors' findings, with lines counted in the paste, the one to answer first. A fragment
    of a method body (with `return` or `self`) is checked inside a method, and a paste that is not
    Python finds nothing. Incidental findings (a missing `import torch` in a pasted class) go after
    the others: the situation the user asks about is the other finding."""
    code = textwrap.dedent(text)
    for source, offset in ((code, 0), (_FRAGMENT_HEADER + textwrap.indent(code, "    "), 1)):
        try:
            findings = check_source(source)
        except SyntaxError:
            continue
        in_paste = (replace(f, line=f.line - offset) for f in findings if f.line > offset)
        return tuple(sorted(in_paste, key=lambda f: f.incidental))
    return ()


class CodeAnswerer:
    """Turns evidence into an answer: retrieval ranks everything but a detector's entry, which comes
    first; the confidence is code's own (assistant.answering.code_confidence)."""

    def __init__(self, retriever: Retriever, documents: Documents) -> None:
        self.retriever = retriever
        self.documents = documents
        self._sources: tuple[int, dict[str, str]] | None = None  # (store generation, {entry id: source})

    def answer(self, query: ParsedQuery, evidence: CodeEvidence, k: int) -> CodeAnswer:
        if evidence.raised is not None:
            query = replace(query, error=evidence.raised, raised=evidence.raised)
        query, hits = self.retriever.search(query, k=max(k, 1) + 1)
        detected = self._entry_hit(evidence.findings[0].entry_id) if evidence.findings else None
        if detected is not None:
            hits = [detected, *(hit for hit in hits if hit.source != detected.source)]
        match = decide_on_code(hits, detected=detected is not None, raised=evidence.raised is not None)
        answer = compose(self.documents, query, hits[:k], match, changes_for_query(query))
        results = answer.results
        if detected is not None and results:
            results = (replace(results[0], facts={**evidence.findings[0].facts, **results[0].facts}), *results[1:])
        return CodeAnswer(answer.query, answer.match, results, answer.api, answer.commands, evidence)

    def _entry_hit(self, entry_id: str) -> DocumentHit | None:
        source = self._entry_sources().get(entry_id)
        return DocumentHit(source, score=1.0) if source is not None else None

    def _entry_sources(self) -> dict[str, str]:
        """Entry ids to their sources in this index, read again after an ingest."""
        store = self.documents.store
        if self._sources is None or self._sources[0] != store.generation:
            self._sources = (store.generation, {self.documents(source).doc_id: source for source in store.sources()})
        return self._sources[1]
