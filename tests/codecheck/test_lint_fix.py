"""`kb lint --fix`: files with findings go through the verified fix, and are linted again after."""

from __future__ import annotations

import pytest

from assistant.interface.lint_command import FileFindings, lint

from tests.codecheck.kblint import BROKEN, CLEAN, kb_lint


def test_a_fixed_file_is_reported_and_linted_again(tmp_path, capsys):
    (tmp_path / "model.py").write_text(BROKEN)
    offered: list[FileFindings] = []

    def fixer(result: FileFindings) -> str:
        offered.append(result)
        result.path.write_text(CLEAN)
        return f"{result.path}: fixed"

    assert lint([tmp_path], fixer=fixer) == 0
    assert [r.path.name for r in offered] == ["model.py"] and offered[0].findings[0].entry_id == "softmax-implicit-dim"
    assert capsys.readouterr().out == f"{tmp_path / 'model.py'}: fixed\n"


def test_a_file_the_fixer_leaves_keeps_its_findings_and_clean_files_are_not_offered(tmp_path, capsys):
    (tmp_path / "a.py").write_text(BROKEN)
    (tmp_path / "b.py").write_text(CLEAN)
    offered: list[str] = []
    assert lint([tmp_path], fixer=lambda result: offered.append(result.path.name)) == 1
    assert offered == ["a.py"] and "KB-softmax-implicit-dim" in capsys.readouterr().out


@pytest.mark.model
def test_kb_lint_fix_writes_the_verified_fix_and_keeps_the_original(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("import torch\nimport torch.nn.functional as F\n\nprobs = F.softmax(torch.randn(4, 3))\n"
                      "print(probs.sum())\n")
    result = kb_lint("--fix", script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fixed softmax-implicit-dim with softmax-dim, verified" in result.stdout
    assert "F.softmax(torch.randn(4, 3), dim=-1)" in script.read_text()
    assert "dim" not in (tmp_path / "train.py.orig").read_text()
