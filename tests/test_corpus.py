"""The shipped corpus: every required entry exists, is well formed, and is proven against torch."""

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kb.documents import read_document
from kb.ingest import shipped_corpus_dir

from assistant.interface.cli import app
from assistant.repair.corpus_check import check_corpus

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = (ROOT / "tests" / "fixtures" / "required-ids.txt").read_text().split()
SHARED = ROOT.parent / "shared" / "required-entries.yaml"
ENTRIES = {d.doc_id: d for d in map(read_document, sorted(shipped_corpus_dir().glob("*.md")))}


def test_required_id_list_matches_shared_when_present():
    if not SHARED.is_file():
        pytest.skip("shared/ is not beside this checkout")
    assert REQUIRED == [item["id"] for item in yaml.safe_load(SHARED.read_text())]


def test_every_required_entry_exists():
    assert sorted(set(REQUIRED) - set(ENTRIES)) == []


@pytest.mark.parametrize("entry_id", sorted(ENTRIES))
def test_entry_front_matter_is_complete(entry_id):
    document = ENTRIES[entry_id]
    meta = document.meta
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry_id)
    assert Path(document.source).stem == entry_id
    assert meta["kind"] in ("error", "warning", "demonstration")
    assert meta["runs_on"] in ("cpu", "cuda")
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
    assert skipped <= {i for i, d in ENTRIES.items() if d.meta["runs_on"] == "cuda"}


def test_no_entry_pattern_matches_another_entrys_broken_example(checks):
    clashes = []
    for entry_id, check in checks.items():
        message = check.observed.split(": ", 1)[-1]
        if not message:
            continue
        for other_id, other in ENTRIES.items():
            if other_id != entry_id and any(p.match(message) for p in other.patterns):
                clashes.append(f"{other_id} matches the message of {entry_id}: {message[:80]}")
    assert clashes == []


def test_check_corpus_reports_a_wrong_entry(tmp_path):
    source = ENTRIES["view-invalid-shape"].source
    text = Path(shipped_corpus_dir() / Path(source).name).read_text()
    (tmp_path / "view-invalid-shape.md").write_text(text.replace("exception: RuntimeError", "exception: TypeError"))
    result = CliRunner().invoke(app, ["check-corpus", "--corpus", str(tmp_path), "--json"])
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["entries"]
    assert entry["id"] == "view-invalid-shape" and entry["status"] == "failed"
    assert "raised RuntimeError, entry says TypeError" in entry["reason"]


def test_every_recipe_an_entry_names_exists():
    from assistant.repair.recipes import registry

    named = {r for d in ENTRIES.values() for r in d.meta.get("recipes") or ()}
    assert named and named <= set(registry())
