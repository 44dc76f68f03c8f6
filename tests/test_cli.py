"""The CLI contract: exit codes, JSON schema, input channels, and one-line errors for bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.interface.cli import app

from tests.fakes import FakeEmbedder
from tests.test_fusion import PANDAS_MISSING_FILE

ROOT = Path(__file__).resolve().parents[1]
ERROR = "RuntimeError: running_mean should contain 50 elements not 256"
runner = CliRunner()


@pytest.fixture(autouse=True)
def fake_model(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())


def kb(*args: str, stdin: str | bytes | None = None):
    return runner.invoke(app, list(args), input=stdin)


def assert_one_line_error(result, code: int, words: str) -> None:
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_json_schema_is_stable():
    result = kb("ask", ERROR, "--json", "-k", "3")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert {"query", "match", "results"} <= set(answer)  # objects only grow (docs/json.md)
    assert answer["query"] == {"kind": "error", "error_type": "RuntimeError",
                               "message": "running_mean should contain 50 elements not 256", "layer": None}
    assert answer["match"] == "confident"
    assert 1 <= len(answer["results"]) <= 3
    ids = [r["id"] for r in answer["results"]]
    assert len(ids) == len(set(ids)) and ids[0] == "batchnorm1d-channels-last"
    for item in answer["results"]:
        assert {"id", "title", "score", "source", "explanation", "fix", "facts"} <= set(item)
        assert isinstance(item["score"], float)
    assert "256" in answer["results"][0]["explanation"] and "50" in answer["results"][0]["explanation"]


@pytest.mark.parametrize("args", [["ask", "-"], ["ask"]])
def test_query_from_stdin(args):
    result = kb(*args, "--json", stdin="log line\n" + ERROR + "\n")
    assert json.loads(result.stdout)["results"][0]["id"] == "batchnorm1d-channels-last"


def test_query_from_file(tmp_path):
    path = tmp_path / "err.txt"
    path.write_text(ERROR)
    assert json.loads(kb("ask", "--file", str(path), "--json").stdout)["match"] == "confident"


def test_batch_answers_each_line_and_reports_bad_lines():
    lines = json.dumps({"q": ERROR}) + "\nnot json\n" + json.dumps({"q": "   "}) + "\n"
    result = kb("ask", "--batch", stdin=lines)
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert outputs[0]["results"][0]["id"] == "batchnorm1d-channels-last"
    assert "line 2" in outputs[1]["error"] and "empty" in outputs[2]["error"]
    assert result.exit_code == 2


def test_human_output_names_the_entry_and_its_source():
    result = kb("ask", ERROR)
    assert result.exit_code == 0
    assert "batchnorm1d-channels-last" in result.stdout and "Fix" in result.stdout


def test_unrelated_query_says_no_match():
    result = kb("ask", "--json", "how do I bake sourdough bread with a crispy crust")
    assert json.loads(result.stdout)["match"] != "confident"
    assert result.exit_code == 1


def test_bad_inputs_get_one_line_and_nonzero_exit(tmp_path):
    assert_one_line_error(kb("ask", "   "), 2, "empty")
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01\x02")
    assert_one_line_error(kb("ask", "--file", str(binary)), 2, "binary")
    latin = tmp_path / "l.txt"
    latin.write_bytes(b"caf\xe9")
    assert_one_line_error(kb("ask", "--file", str(latin)), 2, "UTF-8")
    assert_one_line_error(kb("ask", "-", stdin="x" * 10_000_000), 2, "too long")
    assert_one_line_error(kb("ask", "--file", str(tmp_path / "missing.txt")), 2, "cannot read")
    assert_one_line_error(kb("ask", "x", "--index", str(tmp_path / "nowhere")), 3, "no index")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "kb.sqlite").write_bytes(b"garbage" * 1000)
    assert_one_line_error(kb("ask", "x", "--index", str(corrupt)), 3, "kb index")


def test_ingest_then_ask_a_custom_index(tmp_path):
    index = tmp_path / "idx"
    docs = ROOT / "tests" / "fixtures" / "documents"
    result = kb("ingest", str(docs), "--index", str(index))
    assert result.exit_code == 0 and "added 2" in result.stdout
    again = kb("ingest", str(docs), "--index", str(index))
    assert "unchanged 2" in again.stdout and "embedded 0 chunks" in again.stdout
    answer = json.loads(kb("ask", "--json", "--index", str(index), "LSTM hidden state batch_first").stdout)
    assert answer["results"][0]["id"] == "lstm-hidden-state-batch-first"
    assert answer["results"][0]["source"].endswith("lstm-hidden-state.md")
    assert "torch.zeros(2, 8, 32)" in answer["results"][0]["fix"]


def test_ingest_reports_bad_files_and_keeps_the_rest(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.md").write_text("---\ntitle: Good\n---\nFine text about tensors.\n")
    (docs / "bad.md").write_text("---\ntitle: [\n---\n")
    result = kb("ingest", str(docs), "--index", str(tmp_path / "idx"))
    assert result.exit_code == 2 and "added 1" in result.stdout
    assert "bad.md" in result.stderr and "malformed front matter" in result.stderr


def test_help_does_not_import_torch():
    code = ("import sys; from assistant.interface.cli import app\n"
            "try: app(['--help'])\nexcept SystemExit: pass\n"
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'faiss') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_an_error_another_library_raised_is_named_and_never_answered_confidently():
    answer = json.loads(kb("ask", "--json", "-", stdin=PANDAS_MISSING_FILE).stdout)
    assert answer["query"]["raised_in"] == "pandas" and answer["match"] != "confident"
    shown = kb("ask", "-", stdin=PANDAS_MISSING_FILE)
    assert "Raised inside pandas, not torch" in shown.stdout
    assert "raised_in" not in json.loads(kb("ask", ERROR, "--json").stdout)["query"]
