"""Turn ranked documents into answers: why it happens, in the user's own terms, and the fix.

The JSON form (`Answer.to_json`) is a public interface for editors and scripts; its schema is
documented in docs/json.md and only ever grows.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from kb.documents import Document, Section, code_of
from kb.store import Store

from assistant.confidence import Match
from assistant.query import ParsedQuery
from assistant.retrieval import DocumentHit


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

    def to_json(self) -> dict[str, Any]:
        return {
            "query": {
                "kind": self.query.kind, "error_type": self.query.error_type,
                "message": self.query.message, "layer": self.query.layer,
            },
            "match": self.match,
            "results": [result.to_json() for result in self.results],
        }


def compose(store: Store, query: ParsedQuery, hits: list[DocumentHit], match: Match) -> Answer:
    return Answer(query, match, tuple(_result(store, query, hit) for hit in hits))


def _result(store: Store, query: ParsedQuery, hit: DocumentHit) -> Result:
    document = store.document(hit.source)
    facts = dict(hit.signature.facts) if hit.signature else {}
    if query.layer:
        facts.setdefault("layer", query.layer)
    if document.is_entry:
        explanation, fix = _entry_text(document, facts)
    else:
        explanation, fix = _page_text(store, document, hit)
    return Result(
        document.doc_id, document.title, hit.score, document.source, explanation, fix, facts,
        tuple(document.meta.get("recipes") or ()),
    )


def _entry_text(document: Document, facts: dict[str, str]) -> tuple[str, str]:
    cause = document.section("Cause")
    fix = document.section("Fix")
    lead = _fill(document.meta.get("explain") or "", facts)
    explanation = "\n\n".join(part for part in (lead, _prose(cause)) if part)
    return explanation, fix.text if fix else ""


def _page_text(store: Store, document: Document, hit: DocumentHit) -> tuple[str, str]:
    """An ingested page has no Cause/Fix sections: explain with its best chunk, fix with the first
    code block from that chunk on (pages usually show the broken code before the corrected one)."""
    best_text = store.chunk(hit.best_chunk)[2] if hit.best_chunk is not None else ""
    blocks = [block for section in document.sections for block in section.blocks]
    prose = [b.text for b in blocks if not b.is_code]
    explanation = _prose(Section("", tuple(b for b in blocks if b.text in best_text and not b.is_code)))
    start = next((i for i, b in enumerate(blocks) if b.text in best_text), 0)
    following = [b for b in blocks[start:] if b.is_code]
    earlier = [b for b in blocks[:start] if b.is_code]
    code = following[0] if following else (earlier[-1] if earlier else None)
    fix = f"```python\n{code_of(code)}\n```" if code else ""
    return explanation or (prose[0] if prose else ""), fix


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
