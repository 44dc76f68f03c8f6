"""Precision on correct code: the clean-code corpus (benchmarks/clean-code/, correct CPU-runnable
PyTorch programs) gets at most one finding per 1,000 lines from all the shipped detectors."""

from __future__ import annotations

from pathlib import Path

from assistant.codecheck import check_source

CLEAN_CODE = Path(__file__).resolve().parents[2] / "benchmarks" / "clean-code"
MAX_PER_THOUSAND_LINES = 1.0


def test_correct_code_gets_at_most_one_finding_per_thousand_lines():
    files = sorted(CLEAN_CODE.glob("*.py"))
    assert len(files) >= 25
    lines = sum(len(path.read_text().splitlines()) for path in files)
    found = [f"{path.name}:{f.line}: KB-{f.entry_id} {f.message}" for path in files for f in check_source(path.read_text())]
    assert len(found) / lines * 1000 <= MAX_PER_THOUSAND_LINES, "\n".join(found)
