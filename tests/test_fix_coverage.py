"""Every entry that can be reproduced here either names a fix recipe for `kb fix` or says, in its own
Fix section, why no automatic fix is safe (issue #11): a runnable entry with neither is a gap."""

from __future__ import annotations

import re

import pytest

from kb.documents import read_document
from kb.ingest import shipped_corpus_dir

RUNNABLE = ("cpu", "multi-process-cpu")
ENTRIES = {path.stem: read_document(path) for path in sorted(shipped_corpus_dir().glob("*.md"))}
_FIX_SECTION = re.compile(r"^## Fix\n(?P<body>.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def _fix_section(entry_id: str) -> str:
    found = _FIX_SECTION.search((shipped_corpus_dir() / f"{entry_id}.md").read_text())
    return found["body"] if found else ""


@pytest.mark.parametrize("entry_id", [e for e, d in ENTRIES.items() if d.meta.get("runs_on") in RUNNABLE])
def test_a_runnable_entry_names_a_recipe_or_says_why_none_is_safe(entry_id):
    if ENTRIES[entry_id].meta.get("recipes"):
        return
    assert "No automatic fix" in _fix_section(entry_id), f"{entry_id}: no recipes, and its Fix section does not say why"


def test_the_reason_is_the_entrys_own():
    reasons = [re.search(r"No automatic fix[^\n]*", _fix_section(e))[0] for e, d in ENTRIES.items()
               if not d.meta.get("recipes") and "No automatic fix" in _fix_section(e)]
    assert len(reasons) == len(set(reasons)), "the same sentence in two entries is boilerplate, not a reason"
