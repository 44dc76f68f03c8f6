"""The API drift table (kb/data/api_drift.yaml) and the answers it gives: the specific replacement,
or the release that added an API, for the message shapes real reports paste."""

from __future__ import annotations

import importlib
import re

import pytest

from assistant.answering.api_drift import (TABLE, changes_for, changes_for_query, installed_torch,
                                          release_at_least, table)
from assistant.answering.query import parse_query
from assistant.interface.render import api_change

KINDS = {"removed", "renamed", "deprecated", "added"}
VERSION = re.compile(r"^(torchvision )?\d+\.\d+(\.\d+)?$")


def resolves(dotted: str) -> bool:
    """Whether the dotted name is importable here: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        for part in parts[end:]:
            if not hasattr(found, part):
                return False
            found = getattr(found, part)
        return True
    return False


def test_table_has_the_documented_shape_and_size():
    assert "Sources:" in TABLE.read_text()
    rows = table()
    assert len(rows) >= 150
    assert len({row.symbol for row in rows}) == len(rows)
    for row in rows:
        assert row.kind in KINDS and VERSION.match(row.version), row
        assert row.replacement or row.kind == "added" or row.note, f"{row.symbol}: no replacement and no note"
        assert not row.mechanical or row.replacement, row


@pytest.mark.parametrize("row", [row for row in table() if row.importable and (row.replacement or row.kind == "added")],
                         ids=lambda row: row.symbol)
def test_replacements_and_added_apis_exist_in_the_installed_torch(row):
    name = row.replacement or re.sub(r"\(.*", "", row.symbol)
    assert resolves(name), f"{row.symbol}: {name} is not in torch {installed_torch()}"


def test_removed_apis_are_really_gone_or_refuse_to_run():
    import torch

    assert not resolves("torch.rfft") and not resolves("torch._six") and not resolves("torch.set_deterministic")
    with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed"):
        torch.symeig(torch.eye(2))


def answered(text: str) -> list[tuple[str, str, str, str | None]]:
    return [(c.symbol, c.kind, c.version, c.replacement) for c in changes_for(parse_query(text).error)]


OLD_FFT_LOG = '''\
epoch 0:   0%|          | 0/938 [00:00<?, ?it/s]
Traceback (most recent call last):
  File "/home/ana/stft/train.py", line 41, in <module>
    spec = spectrogram(wave)
  File "/home/ana/stft/features.py", line 12, in spectrogram
    return torch.rfft(frames, signal_ndim=1, onesided=True)
AttributeError: module 'torch' has no attribute 'rfft'
'''
SIX_LOG = '''\
Traceback (most recent call last):
  File "tools/train.py", line 7, in <module>
    from mmcv.runner import build_optimizer
  File "/opt/conda/lib/python3.10/site-packages/mmcv/utils/misc.py", line 9, in <module>
    from torch._six import container_abcs
ImportError: cannot import name 'container_abcs' from 'torch._six' (/opt/conda/lib/python3.10/site-packages/torch/_six.py)
'''
REMOVED_BY_CODE = '''\
Traceback (most recent call last):
  File "pca.py", line 5, in <module>
    rank = torch.matrix_rank(cov)
RuntimeError: This function was deprecated since version 1.9 and is now removed.
Please use the `torch.linalg.matrix_rank` function instead.
'''


@pytest.mark.parametrize("text, expected", [
    (OLD_FFT_LOG, ("torch.rfft", "removed", "1.8", "torch.fft.rfft")),
    (SIX_LOG, ("torch._six.container_abcs", "removed", "1.9", "collections.abc")),
    ("ModuleNotFoundError: No module named 'torch._six'", ("torch._six", "removed", "2.0", "collections.abc")),
    ("ImportError: cannot import name 'inf' from 'torch._six'", ("torch._six.inf", "removed", "2.0", "math.inf")),
    ("/x/amp.py:12: FutureWarning: `torch.cuda.amp.autocast(args...)` is deprecated. Please use "
     "`torch.amp.autocast('cuda', args...)` instead.", ("torch.cuda.amp.autocast", "deprecated", "2.4", "torch.amp.autocast")),
    ("UserWarning: `nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
     ("torch.nn.functional.upsample", "deprecated", "0.4.1", "torch.nn.functional.interpolate")),
    ("RuntimeError: This function was deprecated since version 1.9 and is now removed. `torch.solve` is deprecated "
     "in favor of `torch.linalg.solve`.", ("torch.solve", "removed", "1.13", "torch.linalg.solve")),
    (REMOVED_BY_CODE, ("torch.matrix_rank", "removed", "1.13", "torch.linalg.matrix_rank")),
    ("AttributeError: module 'torch' has no attribute 'set_deterministic'",
     ("torch.set_deterministic", "renamed", "1.8", "torch.use_deterministic_algorithms")),
    ("FutureWarning: `torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. "
     "Please use `torch.testing.assert_close()` instead.",
     ("torch.testing.assert_allclose", "deprecated", "1.12", "torch.testing.assert_close")),
    ("UserWarning: volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
     ("torch.autograd.Variable(volatile=)", "removed", "0.4", "torch.no_grad")),
    ("ModuleNotFoundError: No module named 'torchvision.transforms.functional_tensor'",
     ("torchvision.transforms.functional_tensor", "removed", "torchvision 0.17", "torchvision.transforms.functional")),
    ("UserWarning: torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument. "
     "(Triggered internally at ../aten/src/ATen/native/TensorShape.cpp:3526.)",
     ("torch.meshgrid(indexing=)", "deprecated", "1.10", "torch.meshgrid")),
    ("DeprecationWarning: `torch.jit.trace` is deprecated. Please switch to `torch.compile` or `torch.export`.",
     ("torch.jit.trace", "deprecated", "2.9", "torch.export.export")),
    ("TypeError: StepLR.__init__() got an unexpected keyword argument 'verbose'",
     ("torch.optim.lr_scheduler.LRScheduler(verbose=)", "removed", "2.7",
      "torch.optim.lr_scheduler.LRScheduler.get_last_lr")),
])
def test_old_code_is_answered_with_the_specific_replacement(text, expected):
    assert answered(text)[0] == expected


@pytest.mark.parametrize("text, symbol, version", [
    ("AttributeError: module 'torch' has no attribute 'compile'", "torch.compile", "2.0"),
    ("AttributeError: module 'torch.nn' has no attribute 'RMSNorm'", "torch.nn.RMSNorm", "2.4"),
    ("AttributeError: module 'torch' has no attribute 'accelerator'", "torch.accelerator", "2.6"),
    ("AttributeError: module 'torch.amp' has no attribute 'GradScaler'", "torch.amp.GradScaler", "2.3"),
    ("TypeError: load() got an unexpected keyword argument 'weights_only'", "torch.load(weights_only=True)", "1.13"),
])
def test_new_code_on_old_torch_is_answered_with_the_release_that_added_the_api(text, symbol, version):
    first = changes_for(parse_query(text).error)[0]
    assert (first.symbol, first.kind, first.version) == (symbol, "added", version)
    assert first.to_json()["installed_torch"] == installed_torch() and installed_torch().startswith("2.")
    assert first.to_json()["installed_has_it"] is True  # torch 2.x here: the code ran with an older one


@pytest.mark.parametrize("installed, version, has_it", [
    ("2.13.0+cpu", "2.4", True), ("2.4.0", "2.4", True), ("2.3.1", "2.4", False), ("1.13.1+cu117", "2.0", False),
    ("2.10.0", "2.9", True), ("2.9.0", "2.10", False),
])
def test_release_comparison_is_numeric_not_textual(installed, version, has_it):
    assert release_at_least(installed, version) is has_it


def test_an_added_api_that_kbs_torch_has_says_which_torch_to_upgrade():
    change = {"symbol": "torch.nn.RMSNorm", "kind": "added", "version": "2.4", "replacement": None, "note": "",
              "mechanical": False, "installed_torch": "2.13.0+cpu", "installed_has_it": True}
    said = api_change(change).plain
    assert "torch 2.13.0+cpu here has it, so the code ran with an older torch" in said
    older = api_change({**change, "installed_torch": "2.3.0", "installed_has_it": False}).plain
    assert older.endswith("(torch here: 2.3.0): upgrade torch")


@pytest.mark.parametrize("text", [
    "RuntimeError: mat1 and mat2 shapes cannot be multiplied (32x512 and 128x10)",
    "AttributeError: module 'torch.linalg' has no attribute 'not_a_function'",
    "AttributeError: 'Net' object has no attribute 'fc3'",
    "how do I use torch.compile with DDP?",
])
def test_other_errors_name_no_row(text):
    assert answered(text) == []


@pytest.mark.parametrize("question, symbol", [
    ("porting a 2019 audio repo, it calls torch.rfft(x, 2, onesided=False) and torch says no attribute rfft. "
     "what's the replacement?", "torch.rfft"),
    ("my training loop spams FutureWarning torch.cuda.amp.autocast(args...) is deprecated every iteration. "
     "what's the new spelling?", "torch.cuda.amp.autocast"),
    ("gfpgan / basicsr import fails with no module named torchvision.transforms.functional_tensor",
     "torchvision.transforms.functional_tensor"),
])
def test_questions_that_name_a_changed_api_get_its_row(question, symbol):
    query = parse_query(question)
    assert query.error is None and changes_for_query(query)[0].symbol == symbol


def test_questions_about_current_apis_get_no_row():
    assert changes_for_query(parse_query("how do I use torch.compile with torch.nn.RMSNorm layers?")) == ()


@pytest.fixture(scope="module")
def shipped_engine(tmp_path_factory):
    from kb.ingest import ingest, shipped_corpus_files
    from kb.store import Store

    from assistant.answering.engine import Engine
    from tests.fakes import FakeEmbedder

    directory = tmp_path_factory.mktemp("kb") / "index"
    store = Store.create(directory, model=FakeEmbedder.name, dim=FakeEmbedder.dim)
    ingest(store, shipped_corpus_files(), FakeEmbedder())
    return Engine(store, FakeEmbedder())


def test_kb_ask_answer_keeps_the_entry_and_adds_the_specific_row(shipped_engine):
    """The corpus entry still explains; the row adds what to call instead."""
    answer = shipped_engine.ask(OLD_FFT_LOG).to_json()
    assert answer["results"][0]["id"] in ("torch-removed-api-old-code", "torch-api-missing-too-old")
    (row,) = answer["api"]
    assert {key: row[key] for key in ("symbol", "kind", "version", "replacement", "mechanical")} == {
        "symbol": "torch.rfft", "kind": "removed", "version": "1.8", "replacement": "torch.fft.rfft", "mechanical": False}
    assert "view_as_real" in row["note"] and row["installed_torch"] == installed_torch()
    assert shipped_engine.ask("how do I freeze the first layers of a resnet?").to_json()["api"] == []


def test_kb_ask_on_a_load_state_dict_error_suggests_kb_checkpoint(shipped_engine):
    message = ('RuntimeError: Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc.weight". '
               '\n\tUnexpected key(s) in state_dict: "module.fc.weight". ')
    assert shipped_engine.ask(message).to_json()["commands"][0].startswith("kb checkpoint FILE")
    assert shipped_engine.ask(OLD_FFT_LOG).to_json()["commands"] == []
