"""`kb checkpoint` on real checkpoint files of every kind, made here with torch: what each is, how it
fits a model, and loading code that a sandbox run proves. kb itself never unpickles the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import torch
import torch.nn as nn
from typer.testing import CliRunner

from assistant.answering.query import parse_query
from assistant.interface.cli import app
from assistant.repair import checkpoint as ckpt
from assistant.repair.checkpoint import ModelSpec, inspect_checkpoint, suggested_command

ROOT = Path(__file__).resolve().parents[1]
MODEL_SOURCE = '''\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.backbone(x))
'''
runner = CliRunner()


class Net(nn.Module):  # the same architecture, for saving; pickled under this test module's name
    def __init__(self, classes: int = 2):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.head = nn.Linear(8, classes)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("checkpoints")
    (where / "model.py").write_text(MODEL_SOURCE)
    net = Net()
    torch.save(net.state_dict(), where / "plain.pt")
    torch.save({"epoch": 7, "optimizer": torch.optim.SGD(net.parameters(), lr=0.1).state_dict(),
                "state_dict": nn.DataParallel(net).state_dict(), "pytorch-lightning_version": "2.4.0"},
               where / "lightning.ckpt")
    torch.save({"model": {f"_orig_mod.{k}": v.half() for k, v in net.state_dict().items()}}, where / "compiled.pth")
    torch.save(Net(classes=5).state_dict(), where / "five_classes.pt")
    torch.save(net, where / "whole.pt")
    torch.jit.save(torch.jit.script(nn.Linear(4, 2)), where / "scripted.pt")
    whole = (where / "plain.pt").read_bytes()
    (where / "truncated.pt").write_bytes(whole[: len(whole) // 2])
    (where / "lfs.pt").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a21\nsize 46137344\n")
    (where / "login.pth").write_text("<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>\n")
    (where / "empty.bin").write_bytes(b"")
    torch.save([1, 2, 3], where / "list.pt")
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    (where / "weights.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + bytes(8))
    return where


@pytest.mark.parametrize("name, kind, facts", [
    ("plain.pt", "state_dict", {"tensors": 4, "dtypes": {"float32": 4}, "prefix": "", "weights_only": True}),
    ("lightning.ckpt", "wrapped", {"weights_key": "state_dict", "prefix": "module.", "tensors": 4,
                                   "saved_with": {"pytorch-lightning_version": "2.4.0"}}),
    ("compiled.pth", "wrapped", {"weights_key": "model", "prefix": "_orig_mod.", "dtypes": {"float16": 4}}),
    ("whole.pt", "whole_model", {"model_class": "Net", "model_module": "tests.test_checkpoint", "weights_only": False}),
    ("scripted.pt", "torchscript", {"tensors": 2}),
    ("truncated.pt", "truncated", {}),
    ("lfs.pt", "not_a_checkpoint", {}),
    ("login.pth", "not_a_checkpoint", {}),
    ("empty.bin", "not_a_checkpoint", {}),
    ("list.pt", "other", {}),
    ("weights.safetensors", "other", {}),
])
def test_each_kind_of_file_is_recognised(files, name, kind, facts):
    report = inspect_checkpoint(files / name).to_json()
    jsonschema.validate(report, ckpt.SCHEMA, cls=jsonschema.Draft202012Validator)
    assert report["kind"] == kind, report["detail"]
    assert {key: report[key] for key in facts} == facts


def test_not_a_checkpoint_says_which_and_needs_no_sandbox(files, monkeypatch):
    monkeypatch.setattr(ckpt, "_sandbox_run", lambda *a, **k: pytest.fail("ran the sandbox"))
    assert "Git LFS pointer" in inspect_checkpoint(files / "lfs.pt").detail
    assert "HTML or XML page" in inspect_checkpoint(files / "login.pth").detail
    assert "safetensors.torch.load_file" in inspect_checkpoint(files / "weights.safetensors").detail


def test_kb_never_unpickles_the_file_itself(files, monkeypatch):
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("torch.load ran outside the sandbox"))
    assert inspect_checkpoint(files / "whole.pt").kind == "whole_model"


def test_wrapped_prefixed_weights_get_loading_code_that_a_sandbox_run_proved(files):
    report = inspect_checkpoint(files / "lightning.ckpt", ModelSpec.parse(f"{files / 'model.py'}:Net"))
    assert report.comparison.matches and report.comparison.prefix == "module."
    assert report.loading_verified and report.usable
    assert "state_dict = checkpoint['state_dict']\n" in report.loading_code
    assert "k.removeprefix('module.')" in report.loading_code and "model.load_state_dict(state_dict)\n" in report.loading_code


def test_shape_mismatches_are_listed_and_no_code_is_offered(files):
    report = inspect_checkpoint(files / "five_classes.pt", ModelSpec.parse(f"{files / 'model.py'}:Net"))
    assert report.comparison.shape_mismatches == (
        {"key": "head.bias", "checkpoint": [5], "model": [2]}, {"key": "head.weight", "checkpoint": [5, 8], "model": [2, 8]})
    assert report.loading_code is None and not report.usable


def test_cli_json_exit_codes_and_one_line_errors(files):
    ok = runner.invoke(app, ["checkpoint", str(files / "compiled.pth"), "--model", f"{files / 'model.py'}:Net", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["loading_verified"] is True
    assert runner.invoke(app, ["checkpoint", str(files / "lfs.pt")]).exit_code == 1
    (files / "my-model.py").write_text(MODEL_SOURCE)
    for args in (["checkpoint", str(files / "missing.pt")], ["checkpoint", str(files / "plain.pt"), "--model", "model.py"],
                 ["checkpoint", str(files / "plain.pt"), "--model", f"{files / 'my-model.py'}:Net"]):
        bad = runner.invoke(app, args)
        assert bad.exit_code == 2 and "Traceback" not in bad.output and len(bad.output.strip().splitlines()) == 1


def test_schema_is_shown_verbatim_in_docs():
    doc = (ROOT / "docs" / "json.md").read_text()
    section = re.search(r"^## `checkpoint`:.*?```json\n(.*?)\n```", doc, re.S | re.M)
    assert section and json.loads(section.group(1)) == ckpt.SCHEMA


LOAD_LOG = '''\
Traceback (most recent call last):
  File "/home/li/seg/eval.py", line 22, in <module>
    model.load_state_dict(torch.load(args.weights))
  File "/opt/venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 2593, in load_state_dict
    raise RuntimeError(
RuntimeError: Error(s) in loading state_dict for UNet:
\tMissing key(s) in state_dict: "inc.conv.0.weight", "inc.conv.0.bias".
\tUnexpected key(s) in state_dict: "module.inc.conv.0.weight", "module.inc.conv.0.bias".
'''
TRUNCATED_LOG = '''\
  File "/opt/venv/lib/python3.11/site-packages/torch/serialization.py", line 1480, in load
    with _open_zipfile_reader(opened_file) as opened_zipfile:
RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central directory
'''


@pytest.mark.parametrize("log", [LOAD_LOG, TRUNCATED_LOG, "_pickle.UnpicklingError: invalid load key, 'v'."])
def test_ask_on_a_checkpoint_loading_error_suggests_the_command(log):
    assert suggested_command(parse_query(log).error).startswith("kb checkpoint FILE --model")


def test_other_errors_get_no_suggestion():
    assert suggested_command(parse_query("RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)").error) is None
