"""A long-lived engine (what `kb serve` holds) answers exactly as a fresh process would."""

from pathlib import Path

from kb.ingest import discover, ingest
from kb.store import Store

from assistant.answering.engine import Engine

FROBNICATOR = """\
---
id: frobnicator-exploded
title: The frobnicator explodes with a numbered code
errors:
  - "frobnicator exploded with code {code}"
explain: "Code {code} means the frobnicator ran out of frobs."
---

## Cause

The frobnicator keeps a pool of frobs; code 42 says the pool was empty.
"""


def test_patterns_ingested_after_the_engine_opened_are_matched_with_their_facts(store: Store, embedder, tmp_path: Path):
    engine = Engine(store, embedder)
    query = "RuntimeError: frobnicator exploded with code 42"
    assert all(result.id != "frobnicator-exploded" for result in engine.ask(query, k=5).results)

    page = tmp_path / "new" / "frobnicator.md"
    page.parent.mkdir()
    page.write_text(FROBNICATOR)
    ingest(store, discover([page.parent])[0], embedder)

    answer = engine.ask(query)
    fresh = Engine(Store.open(store.directory, model=embedder.name), embedder).ask(query)
    assert answer.match == fresh.match == "confident"
    assert answer.results[0].id == "frobnicator-exploded"
    assert answer.results[0].facts == fresh.results[0].facts == {"code": "42"}
    assert answer.results[0].score == fresh.results[0].score


def test_a_changed_document_is_answered_with_its_new_text(store: Store, embedder, tmp_path: Path):
    page = tmp_path / "new" / "frobnicator.md"
    page.parent.mkdir()
    page.write_text(FROBNICATOR)
    ingest(store, discover([page.parent])[0], embedder)
    engine = Engine(store, embedder)
    query = "RuntimeError: frobnicator exploded with code 42"
    assert engine.ask(query).results[0].title == "The frobnicator explodes with a numbered code"

    page.write_text(FROBNICATOR.replace("explodes with a numbered code", "runs out of frobs"))
    ingest(store, discover([page.parent])[0], embedder)
    assert engine.ask(query).results[0].title == "The frobnicator runs out of frobs"
