"""`kb ask` on pasted code: detectors first, then the abstract run, and never a confident answer
from the code's text alone. The index holds a few real corpus entries; the snippets are our own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from kb.ingest import discover, ingest
from kb.patterns import ErrorPattern
from kb.store import Store

from assistant.answering.code_confidence import decide_on_code
from assistant.answering.code_query import CodeEvidence, detect
from assistant.answering.engine import Engine
from assistant.answering.error_model import ErrorReport, Frame
from assistant.answering.retrieval import DocumentHit
from assistant.interface.cli import app
from assistant.interface.schemas import SCHEMAS
from assistant.interface.server import Service
from tests.fakes import FakeEmbedder

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
ENTRIES = ("softmax-implicit-dim", "batchnorm1d-channels-last", "linear-shape-mismatch", "module-init-not-called",
           "flatten-before-linear", "bce-input-out-of-range")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    for entry in ENTRIES:
        (tmp_path / "corpus").mkdir(exist_ok=True)
        shutil.copy(CORPUS / f"{entry}.md", tmp_path / "corpus" / f"{entry}.md")
    embedder = FakeEmbedder()
    store = Store.create(tmp_path / "index", model=embedder.name, dim=embedder.dim)
    ingest(store, discover([tmp_path / "corpus"])[0], embedder)
    return Engine(store, embedder)


CLASSIFIER_HEAD = """\
    def forward(self, images):
        features = self.backbone(images).flatten(1)
        logits = self.classifier(features)
        return F.softmax(logits)
"""

SPEAKER_NET = """\
import torch.nn as nn


class SpeakerNet(nn.Module):
    def __init__(self, n_mels=40, n_speakers=10):
        nn.Module.__init__(self)
        self.encoder = nn.Linear(n_mels, 128)
        self.classify = nn.Linear(256, n_speakers)

    def forward(self, frames):
        return self.classify(self.encoder(frames).repeat(1, 3))
"""

CORRECT_LOOP = """\
for images, labels in train_loader:
    optimizer.zero_grad()
    logits = model(images.to(device))
    loss = F.cross_entropy(logits, labels.to(device))
    loss.backward()
    optimizer.step()
    running += loss.item()
"""


def test_a_method_body_pasted_alone_is_checked_with_lines_counted_in_the_paste():
    findings = detect(CLASSIFIER_HEAD)
    assert [(f.line, f.entry_id) for f in findings] == [(4, "softmax-implicit-dim")]
    assert detect("this is not python (") == ()


POOLING_MODULE_WITHOUT_IMPORT_TORCH = """\
import torch.nn.functional as F


class AttentionPool(torch.nn.Module):
    def forward(self, h):
        return (F.softmax(h.sum(-1)).unsqueeze(-1) * h).sum(1)
"""


def test_a_missing_import_in_a_pasted_class_is_answered_after_the_situation_it_shows():
    """The class keeps one torch import and drops `import torch`: both are findings, and the
    softmax the user asks about comes first although the missing import is on an earlier line."""
    findings = detect(POOLING_MODULE_WITHOUT_IMPORT_TORCH)
    assert [(f.line, f.entry_id) for f in findings] == [(6, "softmax-implicit-dim"), (4, "nameerror-torch-not-defined")]
    assert detect("import torch.nn as nn\nlayer = nn.Linear(2, 2)\ntorch.manual_seed(0)\n")[0].line == 3


def test_a_detector_finding_is_the_confident_answer_and_names_the_line(engine: Engine):
    answer = engine.ask(CLASSIFIER_HEAD, k=3).to_json()
    assert answer["match"] == "confident" and answer["results"][0]["id"] == "softmax-implicit-dim"
    assert answer["code"]["evidence"] == "detector" and answer["code"]["line"] == 4
    assert answer["code"]["note"].startswith("line 4: ")
    jsonschema.validate(answer, SCHEMAS["ask"], cls=jsonschema.Draft202012Validator)


def test_an_abstract_run_error_matched_by_a_pattern_is_confident_at_its_line(engine: Engine):
    answer = engine.ask(SPEAKER_NET, k=3).to_json()
    assert answer["code"]["evidence"] == "abstract-run"
    assert answer["results"][0]["id"] == "linear-shape-mismatch" and answer["match"] == "confident"
    assert answer["code"]["line"] == 11 and answer["code"]["error"]["message"].startswith("mat1 and mat2 shapes")
    assert "`return self.classify(self.encoder(frames).repeat(1, 3))` raises" in answer["code"]["note"]


def test_correct_code_gets_no_confident_answer(engine: Engine):
    answer = engine.ask(CORRECT_LOOP, k=3).to_json()
    assert answer["code"]["evidence"] == "text" and answer["match"] != "confident"


def test_the_code_answer_uses_evidence_gathered_by_the_caller(engine: Engine):
    raised = ErrorReport("RuntimeError", "mat1 and mat2 shapes cannot be multiplied (4x128 and 256x10)",
                         (Frame("snippet.py", 7, "forward", "return self.head(h)"),), line=7)
    answer = engine.ask(CORRECT_LOOP, k=2, evidence=CodeEvidence("abstract-run", raised=raised)).to_json()
    assert answer["results"][0]["id"] == "linear-shape-mismatch" and answer["code"]["line"] == 7
    assert answer["query"]["kind"] == "code" and answer["query"]["error_type"] == "RuntimeError"


def test_text_similarity_alone_is_never_confident():
    strong_text = [DocumentHit("corpus/a.md", 0.5, {"lexical": 1, "dense": 1}, dense=0.95)]
    assert decide_on_code(strong_text, detected=False, raised=False) == "weak"
    assert decide_on_code([DocumentHit("corpus/a.md", 0.01, {"lexical": 9})], detected=False, raised=False) == "none"
    assert decide_on_code(strong_text, detected=False, raised=True) == "weak"  # the error no pattern explains
    assert decide_on_code(strong_text, detected=True, raised=False) == "confident"
    assert decide_on_code([], detected=True, raised=False) == "none"


PROBABILITIES_CELL = """\
scores = torch.tensor([[0.2], [1.7], [0.9]])
targets = torch.tensor([[0.0], [1.0], [1.0]])

loss = F.binary_cross_entropy(scores, targets)
loss
"""


def kb(engine: Engine, monkeypatch, *args: str):
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())
    monkeypatch.delenv("KB_SERVER", raising=False)
    return CliRunner().invoke(app, [*args, "--index", str(engine.store.directory)])


def test_kb_ask_shows_the_line_first_and_exits_0_on_a_finding(engine: Engine, monkeypatch):
    result = kb(engine, monkeypatch, "ask", CLASSIFIER_HEAD)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("code: line 4: ")


def test_kb_ask_run_runs_for_real_only_what_the_abstract_run_cannot_decide(engine: Engine, monkeypatch):
    result = kb(engine, monkeypatch, "ask", "--run", "--json", PROBABILITIES_CELL)  # a value, not a shape, is wrong
    answer = json.loads(result.stdout)
    assert answer["code"]["evidence"] == "run" and answer["code"]["line"] == 4
    assert answer["results"][0]["id"] == "bce-input-out-of-range" and answer["interpreter"]["torch"]
    unrun = json.loads(kb(engine, monkeypatch, "ask", "--json", PROBABILITIES_CELL).stdout)
    assert unrun["code"]["evidence"] == "text" and unrun["match"] != "confident"


def test_a_server_answers_code_as_a_fresh_process_does_but_runs_it_only_over_its_unix_socket(engine: Engine):
    request = json.dumps({"type": "ask", "q": SPEAKER_NET, "k": 3}).encode()
    over_unix = Service(engine, allow_fix=True)
    try:
        assert over_unix.respond(request) == engine.ask(SPEAKER_NET, k=3).to_json()
    finally:
        over_unix.sandboxes.close()
    assert Service(engine, allow_fix=False).respond(request)["kind"] == "request"  # the client answers it itself


def test_an_error_two_entries_explain_alike_is_not_a_confident_answer_about_code():
    message = "running_mean should contain 7 elements not 96"
    alike = [DocumentHit(f"corpus/{name}.md", 0.1, {"signature": rank}, ErrorPattern(pattern).match(message))
             for rank, (name, pattern) in enumerate([("a", "running_mean should contain {n} elements not {c}"),
                                                     ("b", "running_mean should contain {m} elements not {k}")], 1)]
    assert decide_on_code(alike, detected=False, raised=True) == "weak"
    assert decide_on_code(alike[:1], detected=False, raised=True) == "confident"
