"""End to end with the real embedding model: what a user runs, in separate processes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "documents"
pytestmark = pytest.mark.model

BROKEN_SCRIPT = """
import torch, torch.nn as nn
print("epoch 1/3")
model = nn.Sequential(nn.Embedding(1000, 96), nn.BatchNorm1d(96), nn.Linear(96, 4))
tokens = torch.randint(0, 1000, (16, 30))
model(tokens)
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("kb-home")


def kb(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ, KB_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, env=environment,
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_first_ask_builds_the_default_index_then_reuses_it(home):
    first = kb(home, "ask", "--json", "RuntimeError: running_mean should contain 50 elements not 256")
    assert first.returncode == 0, first.stderr
    answer = json.loads(first.stdout)
    assert answer["match"] == "confident"
    assert answer["results"][0]["id"] == "batchnorm1d-channels-last"
    index = home / "index"
    built = sorted(p.name for p in index.iterdir())
    again = kb(home, "ask", "--json", "ValueError: Expected more than 1 value per channel when training, "
               "got input size torch.Size([1, 320])")
    assert json.loads(again.stdout)["results"][0]["id"] == "batchnorm-batch-size-one"
    assert sorted(p.name for p in index.iterdir()) == built


def test_a_real_traceback_piped_from_a_failing_script(home, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(BROKEN_SCRIPT)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert "Traceback" in run.stderr
    result = kb(home, "ask", "--json", "-", stdin=run.stdout + run.stderr)
    answer = json.loads(result.stdout)
    assert answer["query"]["kind"] == "traceback" and answer["query"]["layer"] == "batchnorm"
    assert answer["results"][0]["id"] == "batchnorm1d-channels-last"
    assert "96" in answer["results"][0]["explanation"] and "30" in answer["results"][0]["explanation"]


def test_questions_in_words_find_the_seed_entries(home):
    for question, expected in [
        ("should batch norm go before or after the relu, and before or after pooling?", "batchnorm-placement"),
        ("how do I normalise an input shaped [batch, time, channels]?", "batchnorm-sequence-features"),
    ]:
        answer = json.loads(kb(home, "ask", "--json", "-k", "3", question).stdout)
        assert expected in [r["id"] for r in answer["results"]], (question, answer["results"])


def test_both_user_formats_ingest_and_are_found(home, tmp_path):
    index = tmp_path / "index"
    result = kb(home, "ingest", str(FIXTURES), "--index", str(index))
    assert result.returncode == 0, result.stderr
    for question, expected in [
        ("my LSTM says Expected hidden[0] size (2, 8, 32), got [8, 2, 32] with batch_first", "lstm-hidden-state-batch-first"),
        ("the loss explodes after a few iterations, gradients keep growing", "grad-accumulation-thread"),
    ]:
        answer = json.loads(kb(home, "ask", "--json", "--index", str(index), question).stdout)
        assert answer["results"][0]["id"] == expected
