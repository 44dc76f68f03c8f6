"""The public API of assistant.codecheck, which `kb lint` and `kb ask` on code build on."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from assistant.codecheck import Finding, check_source
from assistant.codecheck.declared import Declaration, DeclarationError, declared_detectors, entry_declaration
from assistant.codecheck.detectors import registry, run_detector
from assistant.codecheck._code import Code

BROKEN = textwrap.dedent("""\
    import torch.nn.functional as F

    def predict(logits):
        return F.softmax(logits)
""")


def test_a_finding_names_the_line_column_entry_and_facts():
    [finding] = check_source(BROKEN, entries={"softmax-implicit-dim": ["softmax-without-dim"]})
    assert finding == Finding(4, 12, "softmax-implicit-dim", finding.message, {"function": "softmax"})
    assert "F.softmax()" in finding.message and "dim" in finding.message


def test_without_entries_the_shipped_corpus_declarations_are_used():
    [finding] = check_source(BROKEN)
    assert finding.entry_id == "softmax-implicit-dim"


def test_a_detector_no_entry_declares_reports_nothing():
    assert check_source(BROKEN, entries={"some-entry": ["module-init-not-called"]}) == []
    assert check_source(BROKEN, entries={}) == []


def test_a_detector_declared_by_two_entries_is_reported_for_each():
    found = check_source(BROKEN, entries={"b": ["softmax-without-dim"], "a": ["softmax-without-dim"]})
    assert [f.entry_id for f in found] == ["a", "b"]


def test_code_that_does_not_parse_raises_syntax_error():
    with pytest.raises(SyntaxError):
        check_source("def broken(:\n")
    with pytest.raises(SyntaxError, match="nested too deeply"):
        check_source("x = a" + ".b" * 50_000 + "\n")


def test_columns_count_characters_not_bytes():
    [finding] = check_source("é = 1; y = F.softmax(é)\n", entries={"e": ["softmax-without-dim"]})
    assert finding.col == 12


def test_every_declared_detector_exists_and_every_detector_is_declared():
    declared = {name for names in declared_detectors().values() for name in names}
    assert declared <= set(registry()), f"declared but not written: {sorted(declared - set(registry()))}"
    assert set(registry()) <= declared, f"written but no entry declares: {sorted(set(registry()) - declared)}"


def test_a_malformed_detectors_line_is_one_clear_error():
    with pytest.raises(DeclarationError, match="x: 'detectors' must be a list of names"):
        entry_declaration("---\nid: x\ndetectors: softmax\n---\nbody\n", "x")
    assert entry_declaration("---\nid: y\ntitle: 'Why: this'\nrecipes: [r]\n---\n", "y") == Declaration(
        "y", "Why: this", (), ("r",))


def test_a_detector_that_raises_is_logged_and_gives_nothing(caplog):
    from assistant.codecheck.detectors import Detector

    def broken(code):
        raise ValueError("bug")

    assert run_detector(Detector("broken", broken), Code("x = 1\n")) == []
    assert "detector broken raised" in caplog.text
    caplog.clear()  # the autouse fixture fails any other such record


def test_checking_code_never_imports_torch():
    program = ("import sys\nfrom assistant.codecheck import check_source\n"
               f"check_source({BROKEN!r})\nprint('torch' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_declarations_read_without_yaml_are_what_yaml_reads():
    import yaml

    from kb.ingest import shipped_corpus_dir

    for path in sorted(shipped_corpus_dir().glob("*.md")):
        meta = yaml.safe_load(path.read_text().split("\n---", 1)[0].removeprefix("---"))
        read = entry_declaration(path.read_text(), path.stem)
        assert (read.id, read.title, read.detectors, read.recipes) == (
            meta["id"], meta["title"], tuple(meta.get("detectors") or ()), tuple(meta.get("recipes") or ())), path.name


def test_the_corpus_is_found_where_kb_ingest_finds_it():
    from assistant.codecheck.declared import shipped_corpus_dir
    from kb import ingest

    assert shipped_corpus_dir() == ingest.shipped_corpus_dir()


def test_a_fragment_without_imports_reads_torch_nn_and_f_as_usual_unless_it_binds_them():
    assert [f.entry_id for f in check_source("xs, ys = torch.meshgrid(a, b)\n")] == ["meshgrid-indexing-warning"]
    assert check_source("torch = load_plugin()\nxs, ys = torch.meshgrid(a, b)\n") == []
    assert check_source("import jax.numpy as np\nimport torch\nt = torch.from_numpy(np.flip(a))\n") == []


def test_a_name_used_in_a_match_case_has_no_certain_value_and_breaks_no_detector(caplog):
    import ast

    from assistant.codecheck._code import Code

    source = "x = 1\nmatch v:\n    case 1:\n        y = x\n"
    code = Code(source)
    use = next(n for n in ast.walk(code.tree) if isinstance(n, ast.Name) and n.id == "x" and isinstance(n.ctx, ast.Load))
    assert code.reaching_value(use) is None
    assert check_source("import torch\n" + source) == [] and not caplog.records
