"""check-corpus proves the corpus against the user's torch: an entry whose `torch` range excludes
that release says so instead of failing; the others are run with that interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from kb.documents import parse_markdown

from assistant.environment import versions
from assistant.repair.corpus_check import check_corpus, torch_range_problem

ENTRY = Path(__file__).resolve().parents[2] / "corpus" / "batchnorm1d-channels-last.md"


def with_range(bounds: str, doc_id: str) -> object:
    text = ENTRY.read_text().replace("runs_on: cpu\n", f"runs_on: cpu\ntorch: \"{bounds}\"\n", 1)
    return parse_markdown(text.replace("id: batchnorm1d-channels-last", f"id: {doc_id}", 1), source=doc_id)


@pytest.mark.parametrize("bounds, version, problem", [
    (None, "2.13.0+cpu", ""),
    (">=2.4", "2.13.0+cpu", ""),
    (">=2.0,<2.6", "2.13.0+cpu", "applies to torch >=2.0,<2.6; the examples would run with torch 2.13.0+cpu"),
    ("<=2.13", "2.13.1", ""),
    (">=2.4", None, ""),  # unknown: run, and let the examples say
    ("2.x", "2.13.0", "torch: not a version bound: '2.x' (write e.g. '>=2.4' or '>=2.0,<2.6')"),
    (">=2.0,newest", None, "torch: not a version bound: 'newest' (write e.g. '>=2.4' or '>=2.0,<2.6')"),
])
def test_an_entrys_torch_range(bounds: str | None, version: str | None, problem: str) -> None:
    assert torch_range_problem(bounds, version) == problem


def test_the_corpus_is_proven_with_the_users_interpreter_and_its_torch(torch_env: Path) -> None:
    release = versions.parse(torch.__version__)
    assert release is not None
    older = f"<{release.major}.{release.minor}"
    entries = [parse_markdown(ENTRY.read_text(), source=str(ENTRY)), with_range(older, "older-torch-only"),
               with_range(f">={release.major}.{release.minor}", "this-torch-on")]
    checks = {check.id: check for check in check_corpus(entries, python=str(torch_env))}
    assert checks["batchnorm1d-channels-last"].status == "ok", checks["batchnorm1d-channels-last"].reason
    assert checks["this-torch-on"].status == "ok"
    assert (checks["older-torch-only"].status, checks["older-torch-only"].reason) == (
        "skipped", f"applies to torch {older}; the examples would run with torch {torch.__version__}")
