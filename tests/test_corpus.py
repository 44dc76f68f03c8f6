"""The shipped corpus: every required entry exists, is well formed, and is proven against torch."""

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kb.documents import parse_markdown, read_document
from kb.ingest import ingest, shipped_corpus_dir, shipped_corpus_files
from kb.store import Store

from assistant.answering.engine import Engine
from assistant.interface.cli import app
from assistant.repair.corpus_check import DEVICES, KINDS, RUNS_ON, check_corpus
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
REQUIRED = (FIXTURES / "required-ids.txt").read_text().split()


def _runs_on_by_id(path: Path) -> dict[str, str]:
    """Lines `id runs_on`; the runs_on is checked too, since a cuda entry is never proven on a CPU."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return {entry_id: runs_on for entry_id, runs_on in rows}


MORE = _runs_on_by_id(FIXTURES / "more-entries.txt")  # issue #13
SHARED = ROOT.parent / "shared"
ENTRIES = {d.doc_id: d for d in map(read_document, sorted(shipped_corpus_dir().glob("*.md")))}


def test_required_id_list_matches_shared_when_present():
    if not (SHARED / "required-entries.yaml").is_file():
        pytest.skip("shared/ is not beside this checkout")
    assert REQUIRED == [item["id"] for item in yaml.safe_load((SHARED / "required-entries.yaml").read_text())]


def test_more_entries_list_matches_shared_when_present():
    if not (SHARED / "more-entries.yaml").is_file():
        pytest.skip("shared/ is not beside this checkout")
    items = yaml.safe_load((SHARED / "more-entries.yaml").read_text())
    assert MORE == {item["id"]: item["runs_on"] for item in items}


def test_every_required_entry_exists():
    assert sorted(set(REQUIRED) - set(ENTRIES)) == []


def test_every_more_entry_exists_and_runs_where_the_list_says():
    assert sorted(set(MORE) - set(ENTRIES)) == []
    assert {i: ENTRIES[i].meta.get("runs_on") for i in MORE} == MORE


@pytest.mark.parametrize("entry_id", sorted(ENTRIES))
def test_entry_front_matter_is_complete(entry_id):
    document = ENTRIES[entry_id]
    meta = document.meta
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry_id)
    assert Path(document.source).stem == entry_id
    assert meta["kind"] in KINDS
    assert meta["runs_on"] in RUNS_ON
    assert document.title and meta.get("tags")
    if meta["kind"] != "demonstration":
        assert meta.get("exception") and document.patterns
    placeholders = set(re.findall(r"\{(\w+)\}", meta.get("explain") or ""))
    declared = {name for p in document.patterns for name in re.findall(r"\{(\w+)\}", p.text)}
    assert placeholders <= declared


@pytest.fixture(scope="module")
def checks():
    return {check.id: check for check in check_corpus(ENTRIES.values())}


def test_every_entry_is_proven_against_the_installed_torch(checks):
    failed = {i: c.reason for i, c in checks.items() if c.status == "failed"}
    assert failed == {}
    skipped = {i for i, c in checks.items() if c.status == "skipped"}
    assert skipped <= {i for i, d in ENTRIES.items() if d.meta["runs_on"] in DEVICES}


def shares_message(entry_id: str, other_id: str) -> bool:
    """One message, two causes: both entries name each other under `shares_message_with`."""
    return other_id in (ENTRIES[entry_id].meta.get("shares_message_with") or ())


def test_no_entry_pattern_matches_another_entrys_message(checks):
    """The messages are what broken examples raised here, and what `runs_on: none` entries list."""
    clashes = []
    for entry_id, check in checks.items():
        for message in check.messages:
            for other_id, other in ENTRIES.items():
                if other_id != entry_id and not shares_message(entry_id, other_id) \
                        and any(p.match(message) for p in other.patterns):
                    clashes.append(f"{other_id} matches the message of {entry_id}: {message[:80]}")
    assert clashes == []


def test_entries_that_share_a_message_are_shown_together(checks, tmp_path):
    embedder = FakeEmbedder()
    store = Store.create(tmp_path / "index", model=embedder.name, dim=embedder.dim)
    ingest(store, shipped_corpus_files(), embedder)
    engine = Engine(store, embedder)
    for entry_id, check in checks.items():
        for message in check.messages:
            sharing = {other for other in ENTRIES[entry_id].meta.get("shares_message_with") or ()
                       if any(p.match(message) for p in ENTRIES[other].patterns)}
            if sharing:
                shown = {result.id for result in engine.ask(message, k=3).results}
                assert {entry_id, *sharing} <= shown, message[:80]


def test_entries_that_share_a_message_name_each_other_and_say_how_to_tell_them_apart():
    for entry_id, document in ENTRIES.items():
        for other_id in document.meta.get("shares_message_with") or ():
            assert other_id in ENTRIES, f"{entry_id} shares a message with unknown {other_id}"
            assert shares_message(other_id, entry_id), f"{other_id} does not name {entry_id} back"
            assert other_id in document.body, f"{entry_id} does not say how to tell it from {other_id}"


def test_check_corpus_reports_a_wrong_entry(tmp_path):
    source = ENTRIES["view-invalid-shape"].source
    text = Path(shipped_corpus_dir() / Path(source).name).read_text()
    (tmp_path / "view-invalid-shape.md").write_text(text.replace("exception: RuntimeError", "exception: TypeError"))
    result = CliRunner().invoke(app, ["check-corpus", "--corpus", str(tmp_path), "--json"])
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["entries"]
    assert entry["id"] == "view-invalid-shape" and entry["status"] == "failed"
    assert "raised RuntimeError, entry says TypeError" in entry["reason"]


DIAGNOSIS = """---
id: {id}
title: import torch fails in the wrong interpreter
kind: error
exception: ModuleNotFoundError
runs_on: none
errors: {errors}
tags: [install]
---

## Symptom
## Cause
## Fix
## Pitfalls

## Diagnose
```python
import sys
{diagnose}
```

## Messages
```text
{message}
```
"""


def test_check_corpus_proves_an_entry_that_cannot_run_by_its_messages_and_its_diagnosis():
    torch_missing, pattern = "ModuleNotFoundError: No module named 'torch'", "No module named {module}"
    variants = {  # id: (errors patterns, Diagnose code, listed message)
        "as-written": ([pattern], "print(sys.executable)", torch_missing),
        "diagnose-raises": ([pattern], "import torch_that_is_not_installed", torch_missing),
        "diagnose-silent": ([pattern], "pass", torch_missing),
        "message-unmatched": ([pattern], "print(sys.executable)", "ImportError: cannot import name 'x' from 'y'"),
        "pattern-unproven": ([pattern, "DLL load failed"], "print(sys.executable)", torch_missing),
    }
    documents = [
        parse_markdown(DIAGNOSIS.format(id=name, errors=json.dumps(errors), diagnose=code, message=message), source=f"{name}.md")
        for name, (errors, code, message) in variants.items()
    ]
    checks = {check.id: check for check in check_corpus(documents)}
    assert {i: c.status for i, c in checks.items()} == {"as-written": "ok", **{i: "failed" for i in list(variants)[1:]}}
    assert checks["as-written"].messages == (torch_missing,)
    assert "diagnose snippet failed: ModuleNotFoundError" in checks["diagnose-raises"].reason
    assert "printed nothing" in checks["diagnose-silent"].reason
    assert "no pattern matches the listed message: ImportError" in checks["message-unmatched"].reason
    assert "matches none of the listed messages: DLL load failed" in checks["pattern-unproven"].reason


def test_every_recipe_an_entry_names_exists():
    from assistant.repair.recipes import registry

    named = {r for d in ENTRIES.values() for r in d.meta.get("recipes") or ()}
    assert named and named <= set(registry())
