"""`kb fix`: the pipeline's JSON contract, what `verified` may claim, --iterate, the model harness.

Every test runs real code in the real sandbox. Most use the engine over the shipped corpus with
the hashed bag-of-words embedder (error signatures decide these matches); the ones marked
`model` use the real embedding model, as a user's `kb fix` does.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.repair import harness, recipes
from assistant.interface.cli import app
from assistant.answering.engine import Engine
from assistant.repair.fix import MAX_ROUNDS, fix_source
from assistant.sandbox import RaisedError, SandboxResult, WarmSandbox, run_source

from tests.fakes import FakeEmbedder

BROKEN = Path(__file__).parent / "fixtures" / "broken"
TWO_D_BATCHNORM = """\
import torch
from torch import nn

net = nn.Sequential(nn.Linear(8, 10), nn.BatchNorm1d(12))
print(net(torch.randn(4, 8)))
"""


def broken(name: str) -> str:
    return (BROKEN / name).read_text()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The shipped corpus indexed with the fake embedder, in a private KB_HOME."""
    previous = os.environ.get("KB_HOME")
    os.environ["KB_HOME"] = str(tmp_path_factory.mktemp("kb-home"))
    try:
        return Engine.open(embedder=FakeEmbedder())
    finally:
        if previous is None:
            del os.environ["KB_HOME"]
        else:
            os.environ["KB_HOME"] = previous


def test_every_recipe_is_discovered_and_has_its_own_tests():
    found = recipes.registry()
    assert {"transpose-around-batchnorm1d", "eval-for-inference", "batchnorm-to-layernorm", "add-batch-dimension",
            "long-targets", "linear-in-features", "view-to-reshape", "float32-input", "detach-before-numpy",
            "softmax-dim", "module-list", "strip-state-dict-prefix", "detach-hidden-state",
            "channels-last-permute"} <= set(found)
    for name in found:
        test_file = Path(__file__).parent / "recipes" / f"test_{name.replace('-', '_')}.py"
        assert test_file.is_file(), f"{name} has no {test_file.name}"


def test_json_has_the_documented_shape(engine):
    report = fix_source(broken("bn_sequential_embedding.py"), engine=engine, filename="bn.py")
    data = json.loads(json.dumps(report.to_json()))
    assert data["error"] == {"type": "RuntimeError", "message": "running_mean should contain 12 elements not 32"}
    assert data["entry"] == "batchnorm1d-channels-last"
    assert data["recipe"] == "transpose-around-batchnorm1d"
    assert data["patch"].startswith("--- a/bn.py\n+++ b/bn.py\n@@")
    assert "SeqBatchNorm1d(DIM)" in data["patched"] and "_kb_drive" not in data["patched"]
    assert data["verified"] is True
    assert data["after"]["status"] == "ok" and data["after"]["error"] is None
    assert [t["recipe"] for t in data["tried"]] == ["transpose-around-batchnorm1d", "batchnorm-to-layernorm"]
    assert all({"recipe", "verified", "after"} <= set(t) for t in data["tried"])
    assert data["harness"] is False and data["next"] is None


def test_a_pasted_error_without_verify_is_never_verified(engine):
    report = fix_source(broken("bn_sequential_embedding.py"), engine=engine, verify=False,
                        error_text="RuntimeError: running_mean should contain 12 elements not 32")
    assert report.original is None and report.after is None
    assert report.patched is not None and "SeqBatchNorm1d" in report.patched
    assert report.verified is False and report.to_json()["verified"] is False
    assert [t.after for t in report.attempts] == [None]


def test_a_pasted_error_counts_once_the_original_run_reproduces_it(engine):
    pasted = ('Traceback (most recent call last):\n  File "/home/me/train.py", line 15, in <module>\n'
              "    scores = model(ids)\nRuntimeError: running_mean should contain 40 elements not 32\n")
    report = fix_source(broken("bn_sequential_embedding.py"), engine=engine, error_text=pasted)
    assert report.original is not None and report.original.error.message.endswith("12 elements not 32")
    assert report.reproduced and report.verified


def test_an_error_the_code_does_not_raise_cannot_be_verified(engine):
    clean = "import torch\nx = torch.randn(3, 4)\nprint(x.view(-1).shape)\n"
    message = ("RuntimeError: view size is not compatible with input tensor's size and stride (at least one "
               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    report = fix_source(clean, engine=engine, error_text=message)
    assert report.patched is not None and report.after.status == "ok"
    assert not report.reproduced and not report.verified
    assert "did not raise" in report.note


def test_trading_the_error_for_a_new_one_is_not_verified(engine):
    report = fix_source(TWO_D_BATCHNORM, engine=engine)
    assert report.error.message == "running_mean should contain 10 elements not 12"
    assert len(report.attempts) == 2 and not any(attempt.verified for attempt in report.attempts)
    assert not report.verified
    assert report.after.status == "error" and not report.after.error.same_as(report.error)


def test_iterate_fixes_the_next_error_until_the_run_is_clean(engine):
    source = broken("unbatched_bn_train_mode.py")
    once = fix_source(source, engine=engine)
    assert once.recipe == "add-batch-dimension" and not once.verified
    assert "Expected more than 1 value per channel" in once.after.error.message
    assert once.next_entry is not None and once.next_entry.id == "batchnorm-batch-size-one"

    looped = fix_source(source, engine=engine, iterate=True)
    assert looped.verified and looped.next_entry is None
    assert looped.recipe == "add-batch-dimension + eval-for-inference"
    assert [attempt.round for attempt in looped.applied] == [1, 2]
    assert "encoder.eval()" in looped.patched and "encoder(query.unsqueeze(0))" in looped.patched
    assert looped.to_json()["error"]["message"] == "expected 2D or 3D input (got 1D input)"


def test_iterate_stops_when_nothing_more_applies(engine):
    report = fix_source(TWO_D_BATCHNORM, engine=engine, iterate=True)
    assert not report.verified and 1 <= len(report.applied) <= MAX_ROUNDS
    assert report.after is not None and report.after.status == "error"


OLD_NAMES = """\
import torch
import torch.nn.functional as F
from torch import nn

layer = nn.Conv2d(4, 2, kernel_size=1)
nn.init.kaiming_normal(layer.weight)
maps = F.upsample(torch.randn(1, 4, 3, 3), scale_factor=2)
print(tuple(layer(maps).shape))
"""


def test_iterate_goes_on_to_the_warnings_a_proven_patch_still_prints(engine):
    once = fix_source(OLD_NAMES, engine=engine)
    assert once.verified and once.recipe == "api-rename"
    assert "F.upsample(" in once.patched  # one warning fixed, the other still printed

    looped = fix_source(OLD_NAMES, engine=engine, iterate=True)
    assert looped.verified and looped.recipe == "api-rename + api-rename"
    assert "nn.init.kaiming_normal_(layer.weight)" in looped.patched
    assert "F.interpolate(torch.randn(1, 4, 3, 3), scale_factor=2)" in looped.patched
    assert looped.after.status == "ok" and not any("deprecated" in warning.message for warning in looped.after.warnings)


def test_a_later_round_that_proves_nothing_keeps_the_proven_patch(engine):
    source = OLD_NAMES.replace("F.upsample(", "F.upsample_bilinear(")  # not a plain rename: no recipe
    report = fix_source(source, engine=engine, iterate=True)
    assert report.verified and report.recipe == "api-rename" and len(report.applied) == 1
    assert "F.upsample_bilinear(" in report.patched


NON_LEAF_GRAD = """\
import torch

torch.manual_seed(0)
weights = torch.randn(3, 3, requires_grad=True) * 0.1
inputs = torch.randn(4, 3)
loss = (inputs @ weights).pow(2).mean()
loss.backward()
update = weights.grad * 0.5
print(update.shape)
"""


def test_the_warning_behind_an_error_no_recipe_answers_is_fixed_instead(engine):
    report = fix_source(NON_LEAF_GRAD, engine=engine, verify=True)
    assert report.original.error.type == "TypeError"  # None * 0.5: only a consequence of the warning
    assert report.error.warning and "not a leaf Tensor" in report.error.message
    assert report.entry.id == "nonleaf-grad-none"
    assert report.verified and report.recipe == "leaf-after-init"
    assert "weights = (torch.randn(3, 3) * 0.1).requires_grad_()" in report.patched


def test_a_warning_is_the_problem_when_the_run_is_clean(engine):
    report = fix_source(broken("softmax_no_dim.py"), engine=engine)
    assert report.error.type == "UserWarning" and report.error.warning
    assert report.recipe == "softmax-dim" and report.verified
    assert "F.softmax(classifier(batch), dim=-1)" in report.patched


def test_model_only_snippet_is_driven_by_the_harness(engine):
    report = fix_source(broken("model_only_textcnn_bn.py"), engine=engine)
    assert report.harness and report.reproduced and report.verified
    assert report.error.message.endswith("elements not 100")
    assert "x = self.emb_norm(x.transpose(1, 2)).transpose(1, 2)" in report.patched
    assert "_kb_drive" not in report.patched


def test_model_that_cannot_be_built_says_why(engine):
    report = fix_source(broken("model_only_needs_args.py"), engine=engine)
    assert report.error is None and report.patched is None and not report.verified
    assert "in_dim" in report.note
    with pytest.raises(harness.CannotDrive, match="in_dim"):
        harness.drive(broken("model_only_needs_args.py"))


def test_a_correct_model_has_nothing_to_fix(engine):
    report = fix_source(broken("model_only_mlp_batchnorm_ok.py"), engine=engine)
    assert report.harness and report.error is None and report.original.status == "ok"
    assert "nothing to fix" in report.note


@pytest.mark.parametrize("model", [
    "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.rnn = nn.LSTM(5, 8)\n"
    "        self.out = nn.Linear(8, 2)\n\n    def forward(self, x):\n        y, _ = self.rnn(x)\n"
    "        assert y.shape[1] == 4, 'seq-first input: batch is dim 1'\n        return self.out(y[-1])\n",
    "IMG_SIZE = 20\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.conv = nn.Conv2d(3, 4, 3, padding=1)\n        self.fc = nn.Linear(4 * IMG_SIZE * IMG_SIZE, 2)\n\n"
    "    def forward(self, x):\n        return self.fc(self.conv(x).flatten(1))\n",
    "class M(nn.Module):\n    def __init__(self, vocab=30):\n        super().__init__()\n"
    "        self.emb = nn.Embedding(vocab, 6)\n        self.gru = nn.GRU(6, 5, batch_first=True)\n\n"
    "    def forward(self, ids):\n        assert ids.dtype == torch.long and int(ids.max()) < 30\n"
    "        return self.gru(self.emb(ids))[0]\n",
])
def test_harness_input_follows_the_first_layer(model):
    source = "import torch\nimport torch.nn as nn\n\n" + model
    assert harness.needs_harness(source)
    result = run_source(harness.drive(source))
    assert result.status == "ok", result.error.traceback if result.error else result.detail


def test_harness_only_when_nothing_runs_the_model():
    model = "import torch.nn as nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n"
    assert harness.needs_harness(model)
    assert harness.needs_harness(model + "\nnet = Net()\nprint(net)\n")
    assert not harness.needs_harness(model + "\nnet = Net()\nnet(1)\n")
    assert not harness.needs_harness(model + "\ndef main():\n    Net()(1)\n\nif __name__ == '__main__':\n    main()\n")
    assert not harness.needs_harness("import torch\nprint(torch.ones(2))\n")


def test_harness_takes_constructor_arguments_from_constants():
    driven = harness.drive(broken("model_only_stateful_gru.py"))
    assert "_kb_drive(lambda: StreamingGRU(input_size=INPUT_SIZE)" in driven


def test_cli_fix_verifies_writes_and_keeps_a_backup(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())
    script = tmp_path / "train.py"
    original = broken("view_after_permute.py")
    script.write_text(original)
    result = CliRunner().invoke(app, ["fix", str(script), "--verify", "--write", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verified"] is True and data["recipe"] == "view-to-reshape"
    assert script.read_text() == data["patched"] and ".reshape(-1, 8)" in data["patched"]
    assert (tmp_path / "train.py.orig").read_text() == original


def test_cli_fix_reads_stdin_and_shows_the_diff(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())
    error = "RuntimeError: expected target dtype to be Long or Byte, but got Float"
    result = CliRunner().invoke(app, ["fix", "-", "--error", error], input=broken("ce_float_labels_numpy.py"))
    assert result.exit_code == 0, result.output
    assert "+    loss = criterion(outputs, labels.long())" in result.stdout
    assert "Not run" in result.stdout


@pytest.mark.model
def test_real_engine_matches_and_verifies(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    report = fix_source(broken("numpy_double_input.py"), engine=Engine.open())
    assert report.entry is not None and report.entry.id == "matmul-dtype-mismatch"
    assert report.recipe == "float32-input" and report.verified


@pytest.mark.model
def test_real_cli_json_for_a_model_only_snippet(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    script = tmp_path / "model.py"
    script.write_text(broken("model_only_cnn_linear_mismatch.py"))
    result = CliRunner().invoke(app, ["fix", str(script), "--json", "--verify"])
    data = json.loads(result.stdout)
    assert data["harness"] is True and data["recipe"] == "linear-in-features" and data["verified"] is True
    assert "nn.Linear(4096, 256)" in data["patched"]


ONE_RANK_DDP = """\
import os
import tempfile
import torch
import torch.distributed as dist
from torch import nn

store = os.path.join(tempfile.mkdtemp(), "rendezvous")
dist.init_process_group("gloo", init_method=f"file://{store}", rank=0, world_size=1)
model = nn.parallel.DistributedDataParallel(nn.Linear(6, 4))
batch = torch.randn(6, 8).t()          # [8, 6], a transposed view
flat = batch.view(-1)
model(flat.reshape(8, 6)).sum().backward()
dist.destroy_process_group()
"""


def test_a_gloo_script_runs_its_process_group_and_its_fix_is_proven(engine):
    """kb fix's runs have their own loopback up (gloo needs 127.0.0.1 even for a file:// group)."""
    report = fix_source(ONE_RANK_DDP, engine=engine)
    assert report.error.type == "RuntimeError" and "view size is not compatible" in report.error.message
    assert report.verified and "batch.reshape(-1)" in report.patched
    assert report.after.runs == 2 and report.to_json()["after"]["runs"] == 2  # a process group: run twice


class TeardownAbortOnRun:
    """A warm sandbox whose n-th run is a rank aborted by SIGABRT at teardown, as torch's gloo does now and then."""

    def __init__(self, sandbox: WarmSandbox, aborted_run: int) -> None:
        self.sandbox, self.aborted_run, self.runs = sandbox, aborted_run, 0

    def run_source(self, source: str, **options) -> SandboxResult:
        self.runs += 1
        result = self.sandbox.run_source(source, **options)
        if self.runs != self.aborted_run:
            return result
        aborted = RaisedError("SIGABRT", "killed by SIGABRT (Aborted)", "", None)
        return dataclasses.replace(result, status="error", error=aborted, detail="")


def test_a_patch_to_a_program_that_starts_processes_must_run_clean_twice(engine):
    """Run 1 is the original, run 2 the patch (clean), run 3 the same patch again (aborted): not verified."""
    with WarmSandbox() as warm:
        flaky = TeardownAbortOnRun(warm, aborted_run=3)
        report = fix_source(ONE_RANK_DDP, engine=engine, sandbox=flaky)
    assert flaky.runs == 3 and report.patched is not None and "batch.reshape(-1)" in report.patched
    assert not report.verified and report.verdict == "patched-unverified"
    assert report.after.runs == 2 and report.after.error.type == "SIGABRT"


CHILD_STILL_FAILS = """\
import multiprocessing as mp
import torch


def summarise(flat):
    print(flat.view(4, -1).t().view(-1).sum())   # the child's own view of a transposed tensor


if __name__ == "__main__":
    batch = torch.randn(6, 8).t()
    flat = batch.view(-1)
    worker = mp.get_context("fork").Process(target=summarise, args=(flat,))
    worker.start()
    worker.join()                                 # its exit code is never looked at
"""


def test_a_patched_run_whose_child_process_crashed_is_not_verified(engine):
    """The main process ends with status 0 after the patch, but its child printed a traceback."""
    report = fix_source(CHILD_STILL_FAILS, engine=engine)
    assert report.reproduced and report.patched is not None and "batch.reshape(-1)" in report.patched
    assert report.after.status == "ok" and report.after.crash.startswith("RuntimeError: view size is not compatible")
    assert not report.verified and report.to_json()["after"]["crash"] == report.after.crash


ONE_PROCESS_VIEW = """\
import torch

batch = torch.randn(6, 8).t()
flat = batch.view(-1)
print(flat.shape)
"""


def test_a_single_process_patch_runs_once(engine):
    with WarmSandbox() as warm:
        counted = TeardownAbortOnRun(warm, aborted_run=0)
        report = fix_source(ONE_PROCESS_VIEW, engine=engine, sandbox=counted)
    assert report.verified and report.after.runs == 1 and counted.runs == 2


LAUNCHED_WITH_NEW_SPELLING = """\
import argparse
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--local_rank", type=int, default=0)
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args(["--local-rank=1"])       # what torch.distributed.launch 2.x passes
device = torch.device("cpu")
print(args.local_rank, args.epochs, torch.zeros(2, device=device).sum().item())
"""


def test_an_argparse_rejection_is_the_error_of_the_run_and_its_fix_is_proven(engine):
    """A run that argparse ends with SystemExit(2) failed for the reason it printed, not for "2"."""
    report = fix_source(LAUNCHED_WITH_NEW_SPELLING, engine=engine)
    assert (report.error.type, report.error.message) == ("SystemExit", "unrecognized arguments: --local-rank=1")
    assert report.entry.id == "distributed-launch-local-rank-arg"
    assert report.verified and "--local-rank" in report.patched.split("parse_args")[0]


def test_the_report_names_the_entry_whose_recipe_proved_the_fix():
    """One message, two causes: when the second entry's recipe is the one that worked, it is named."""
    from types import SimpleNamespace

    from assistant.repair.fix import Attempt, EntryRef, RunOutcome, _proven_by, _Rounds

    answer = SimpleNamespace(match="confident", results=[SimpleNamespace(id="a", title="A"), SimpleNamespace(id="b", title="B")])
    top = EntryRef("a", "A", "confident")
    by_b = Attempt(1, "fix-of-b", "patched", True, RunOutcome("ok", None), entry="b")
    assert _proven_by(_Rounds((by_b,), (by_b,), None), answer, top) == EntryRef("b", "B", "confident")
    unproven = Attempt(1, "fix-of-b", "patched", False, RunOutcome("error", None), entry="b")
    assert _proven_by(_Rounds((unproven,), (unproven,), None), answer, top) == top
    assert _proven_by(_Rounds((), (), None), answer, top) == top


FROZEN_UNDER_REENTRANT_CHECKPOINT = """\
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

encoder = nn.Embedding(40, 6).requires_grad_(False)
head = nn.Linear(6, 3)
tokens = torch.randint(0, 40, (5, 7))
features = checkpoint(head, encoder(tokens), use_reentrant=True)
features.pow(2).mean().backward()
print(head.weight.grad.shape)
"""


def test_the_warning_behind_an_error_whose_entry_has_no_recipe_for_the_code_is_fixed_instead(engine):
    """backward finds no graph (an entry explains that, but none of its recipes fits this code); the
    reentrant checkpoint's warning before it is the cause, and its fix is proven."""
    report = fix_source(FROZEN_UNDER_REENTRANT_CHECKPOINT, engine=engine)
    assert report.error.warning and "None of the inputs have requires_grad=True" in report.error.message
    assert report.entry.id == "checkpoint-reentrant-frozen-inputs" and report.verified
    assert "use_reentrant=False" in report.patched


TWO_SLOW_CONVERSIONS = """\
import numpy as np
import torch

rng = np.random.default_rng(0)
transitions = [(rng.standard_normal(4), rng.standard_normal(4)) for _ in range(16)]
states = torch.tensor([s for s, _ in transitions], dtype=torch.float32)
next_states = torch.tensor([n for _, n in transitions], dtype=torch.float32)
print(states.shape, next_states.shape)
"""


def test_a_warning_torch_prints_once_is_fixed_line_by_line_under_iterate(engine):
    """torch warns once per process: the second conversion only warns once the first is fixed."""
    once = fix_source(TWO_SLOW_CONVERSIONS, engine=engine)
    assert once.error.warning and once.error.line == 6 and not once.verified
    assert once.next_entry is not None and once.next_entry.id == "list-of-ndarrays-slow-warning"
    looped = fix_source(TWO_SLOW_CONVERSIONS, engine=engine, iterate=True)
    assert looped.verified and [attempt.round for attempt in looped.applied] == [1, 2]
    assert looped.patched.count("np.stack(") == 2


RELAYS_THE_LAUNCHERS_STATUS = '''\
import argparse
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--local_rank", type=int, default=0)
    args = parser.parse_args()
    print("rank", args.local_rank)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        sys.argv.remove("--worker")
        main()
    else:  # stands in for `python -m torch.distributed.launch`, which passes --local-rank=N
        child = subprocess.run([sys.executable, __file__, "--worker", "--local-rank=0"])
        if child.returncode:
            sys.exit(1)  # the launcher's own status: some rank failed
'''


@pytest.mark.parametrize("ending", ["sys.exit(1)", 'raise SystemExit("training failed")'])
def test_a_launcher_status_passed_on_is_explained_by_the_usage_error_its_ranks_printed(engine, ending):
    """sys.exit(1) after a launcher says nothing; the rank's argparse line in the same stderr does."""
    report = fix_source(RELAYS_THE_LAUNCHERS_STATUS.replace("sys.exit(1)", ending), engine=engine)
    assert (report.error.type, report.error.message) == ("SystemExit", "unrecognized arguments: --local-rank=0")
    assert report.entry.id == "distributed-launch-local-rank-arg"
