"""Removed APIs in code, by kb/data/api_drift.yaml: each detector fires on its own rows only."""

from __future__ import annotations

from assistant.answering.api_drift import table
from assistant.codecheck import check_source
from assistant.codecheck.detectors._drift import removed_rows

from tests.codecheck.lines import findings, lines

OLD_CODE = """\
import torch
import torchvision.transforms as T
from torch._six import string_classes
from torch.autograd import Variable
from torchvision.transforms.functional_tensor import rgb_to_grayscale
spectrum = torch.rfft(signal, 2)
v = Variable(x, volatile=True)
sched = torch.optim.lr_scheduler.StepLR(opt, 10, verbose=True)
resize = T.Scale(32)
"""
NEW_CODE = """\
import torch
import torchvision.transforms as T
from torchvision.transforms.functional import rgb_to_grayscale
spectrum = torch.fft.rfft(signal)
with torch.no_grad():
    v = x * 2
sched = torch.optim.lr_scheduler.StepLR(opt, 10)
resize = T.Resize(32)
values, vectors = torch.linalg.eigh(a)
"""


def test_the_removed_rows_read_here_are_the_tables_rows():
    assert {(r.symbol, r.version, r.replacement) for r in removed_rows()} == {
        (r.symbol, r.version, r.replacement) for r in table() if r.kind == "removed"}


def test_each_removed_api_is_reported_by_the_detector_of_its_entry():
    assert lines("removed-torch-api", OLD_CODE) == [6, 7, 9]
    assert lines("torch-six-import", OLD_CODE) == [3]
    assert lines("functional-tensor-import", OLD_CODE) == [5]
    assert lines("scheduler-verbose", OLD_CODE) == [8]
    assert findings("removed-torch-api", OLD_CODE)[0].message == "torch.rfft was removed in torch 1.8; use torch.fft.rfft instead"
    assert findings("scheduler-verbose", OLD_CODE)[0].message.startswith(
        "the verbose= argument of torch.optim.lr_scheduler.LRScheduler was removed in torch 2.7")


def test_current_apis_and_code_without_torch_are_quiet():
    for detector in ("removed-torch-api", "torch-six-import", "functional-tensor-import", "scheduler-verbose"):
        assert lines(detector, NEW_CODE) == []
        assert lines(detector, "import numpy as np\nx = np.fft.rfft(a)\ny = rfft(a)\n") == []


def test_a_removed_private_helper_is_reported_once_under_the_private_import_entry():
    source = "from torch._utils import _accumulate\nimport torch\nparts = torch._utils._accumulate([1, 2])\n"
    assert lines("removed-torch-api", source) == [3]  # the attribute use; the import is private-torch-import's
    assert [(f.line, f.entry_id) for f in check_source(source) if f.line == 1] == [(1, "cannot-import-name-private-torch")]
