"""Turn ranked documents into answers: why it happens, in the user's own terms, and the fix.

The JSON form (`Answer.to_json`) is a public interface for editors and scripts; its schema is
documented in docs/json.md and only ever grows.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

from kb.documents import Block, Document, Section, code_of
from kb.store import Store

from assistant.answering.api_drift import ApiChange
from assistant.answering.confidence import Match
from assistant.answering.query import ParsedQuery
from assistant.answering.retrieval import DocumentHit


_FIX_WORDS = re.compile(r"\b(correct(ed|ly|ion)?|fix(ed)?|solution|remedy|instead|working|works)\b", re.I)
_PROBLEM_WORDS = re.compile(r"\b(problem(atic)?|wrong|fails?|broken|incorrect|crash(es)?|like this|for example)\b", re.I)


@dataclass(frozen=True)
class Result:
    id: str
    title: str
    score: float
    source: str
    explanation: str
    fix: str
    facts: dict[str, str] = field(default_factory=dict)
    recipes: tuple[str, ...] = ()
    explains_message: bool = False  # one of the entry's declared patterns matched the message

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "score": round(self.score, 4), "source": self.source,
            "explanation": self.explanation, "fix": self.fix, "facts": self.facts,
        }


@dataclass(frozen=True)
class Answer:
    query: ParsedQuery
    match: Match
    results: tuple[Result, ...]
    api: tuple[ApiChange, ...] = ()  # the API drift table's rows for the symbol the error names
    commands: tuple[str, ...] = ()  # kb commands that look closer at this error (kb checkpoint)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self._query_json(),
            "match": self.match,
            "results": [result.to_json() for result in self.results],
            "api": [change.to_json() for change in self.api],
            "commands": list(self.commands),
        }


    def _query_json(self) -> dict[str, Any]:
        error, raised = self.query.error, self.query.raised
        described: dict[str, Any] = {
            "kind": self.query.kind, "error_type": error.type if error else None,
            "message": error.message if error else None, "layer": error.layer if error else None,
        }
        if raised is not None and len(raised.chain) > 1:
            described["chain"] = [{"type": link.type, "message": link.message, "link": link.link}
                                  for link in raised.chain]
        if error is not None and error.raised_elsewhere:
            described["raised_in"] = error.raised_elsewhere
        return described


class Documents:
    """The index's documents, parsed once per generation: parsing an entry's Markdown was half the
    time of an exact-error answer, and a long-lived server answers the same entries again and
    again. An ingest bumps the generation, and with it the cache goes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._generation: int | None = None
        self._parsed: dict[str, Document] = {}

    def __call__(self, source: str) -> Document:
        generation = self.store.generation
        if generation != self._generation:
            self._parsed, self._generation = {}, generation
        if source not in self._parsed:
            self._parsed[source] = self.store.document(source)
        return self._parsed[source]


def compose(documents: Documents, query: ParsedQuery, hits: list[DocumentHit], match: Match,
            api: tuple[ApiChange, ...] = (), commands: tuple[str, ...] = ()) -> Answer:
    return Answer(query, match, tuple(_result(documents, query, hit) for hit in hits), api, commands)


def _result(documents: Documents, query: ParsedQuery, hit: DocumentHit) -> Result:
    store = documents.store
    document = documents(hit.source)
    facts = dict(hit.signature.facts) if hit.signature else {}
    if query.error is not None and (layer := query.error.layer):
        facts.setdefault("layer", layer)
    if document.is_entry:
        explanation, fix = _entry_text(document, facts)
    else:
        explanation, fix = _page_text(store, document, hit)
    return Result(
        document.doc_id, document.title, hit.score, document.source, explanation, fix, facts,
        tuple(document.meta.get("recipes") or ()), hit.signature is not None,
    )


def _entry_text(document: Document, facts: dict[str, str]) -> tuple[str, str]:
    cause = document.section("Cause")
    fix = document.section("Fix")
    lead = _fill(document.meta.get("explain") or "", facts)
    explanation = "\n\n".join(part for part in (lead, _prose(cause)) if part)
    return explanation, fix.text if fix else ""


def _page_text(store: Store, document: Document, hit: DocumentHit) -> tuple[str, str]:
    """An ingested page has no Cause/Fix sections: explain with its best chunk, and fix with the
    code block that its prose introduces as the correction."""
    best_text = store.chunk(hit.best_chunk)[2] if hit.best_chunk is not None else ""
    blocks = [block for section in document.sections for block in section.blocks]
    prose = [b for b in blocks if not b.is_code]
    explanation = _prose(Section("", tuple(b for b in prose if b.text in best_text)))
    code = _fix_block(blocks)
    fix = f"```python\n{code_of(code)}\n```" if code else ""
    return explanation or (prose[0].text if prose else ""), fix


def _fix_block(blocks: list[Block]) -> Block | None:
    """The code block most likely to be the fix: introduced as a correction rather than as the
    problem, and later rather than earlier (pages show the broken code first)."""
    best, best_score = None, float("-inf")
    for i, block in enumerate(blocks):
        if not block.is_code:
            continue
        intro = next((b.text for b in reversed(blocks[:i]) if not b.is_code), "")
        score = len(_FIX_WORDS.findall(intro)) - len(_PROBLEM_WORDS.findall(intro))
        if score >= best_score:
            best, best_score = block, score
            if score > 0:
                best_score += 0.5  # a block announced as the fix is not displaced by a later neutral one
    return best


def _prose(section: Section | None, limit: int = 1200) -> str:
    if section is None:
        return ""
    text = "\n\n".join(block.text for block in section.blocks if not block.is_code)
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _fill(template: str, facts: dict[str, str]) -> str:
    """Fill {name} placeholders with the user's values; an explanation with a hole is dropped."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not template or not names <= facts.keys():
        return ""
    return template.format(**facts)
