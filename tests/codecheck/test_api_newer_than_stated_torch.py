"""api-newer-than-stated-torch: an API added after the torch release the code's comments name."""

from __future__ import annotations

import pytest

from assistant.answering.api_drift import table
from assistant.codecheck.detectors._drift import added_rows, release
from tests.codecheck.lines import findings, lines

NAME = "api-newer-than-stated-torch"


def test_the_added_rows_read_here_are_the_tables_torch_rows():
    assert added_rows() == {r.symbol: release(r.version) for r in table()
                            if r.kind == "added" and r.symbol.startswith("torch.") and "(" not in r.symbol}


@pytest.mark.parametrize("source, expected", [
    ("# env: torch==1.13.1 (docker base image)\nimport torch\nnet = torch.compile(Net())\n", [3]),
    ("import torch\nfrom torch.amp import GradScaler   # server has PyTorch v2.1\nscaler = GradScaler('cuda')\n", [2]),
    ("# module load pytorch/2.2\nout = torch.nn.functional.rms_norm(x, (64,))\nn = torch.nn.RMSNorm(64)\n", [2, 3]),
])
def test_an_api_newer_than_the_stated_release_fires(source, expected):
    assert lines(NAME, source) == expected


def test_the_finding_names_both_releases():
    message = findings(NAME, "# torch 1.12.1+cu113\nmodel = torch.compile(model)\n")[0].message
    assert "added in torch 2.0" in message and "torch 1.12.1" in message


@pytest.mark.parametrize("source", [
    "# torch 2.4\nimport torch\nnet = torch.compile(Net())\nscaler = torch.amp.GradScaler('cuda')\n",
    "import torch\nnet = torch.compile(Net())\n",                              # no release stated
    "# tested on torch 1.13 and torch 2.3\nnet = torch.compile(Net())\n",      # two releases: which one runs is not said
    "# torch 1.12\nscaler = torch.cuda.amp.GradScaler()\nx = torch.fft.rfft(signal)\n",  # APIs 1.12 has
])
def test_apis_the_stated_release_has_or_no_single_release_are_quiet(source):
    assert lines(NAME, source) == []
