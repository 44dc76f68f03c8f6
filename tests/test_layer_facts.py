"""What the abstract run saw the layers given: the failing layer with the user's shapes, and a Linear
fed a conv/pool map that was never flattened, which tells flatten-before-linear from linear-shape-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.answering.code_query import detect, gather_evidence
from assistant.repair.abstract_run import run_abstractly
from assistant.repair.layer_facts import LayerFacts, read_facts
from assistant.sandbox import WarmSandbox


@pytest.fixture(scope="module")
def run() -> Iterator:
    with WarmSandbox() as box:
        yield box.run_source


HEAD_WITHOUT_FLATTEN = """\
features = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
head = nn.Linear(16 * 16 * 16, 10)
images = torch.randn(4, 3, 32, 32)
maps = features(images)
logits = head(maps)
"""


def test_the_layer_that_failed_is_named_with_the_shapes_it_got(run):
    ran = run_abstractly("norm = nn.BatchNorm1d(128)\nh = torch.randn(8, 12, 128)\nout = norm(h)\n", run)
    assert ran.raised.line == 3 and ran.facts.receives == "BatchNorm1d(128) receives [8, 12, 128]"


def test_a_linear_fed_a_conv_map_is_noted_at_its_line(run):
    facts = run_abstractly(HEAD_WITHOUT_FLATTEN, run).facts
    assert (facts.unflattened_line, facts.unflattened_shape) == (5, (4, 16, 16, 16))
    flattened = run_abstractly(HEAD_WITHOUT_FLATTEN.replace("head(maps)", "head(maps.flatten(1))"), run)
    assert flattened.raised is None and flattened.facts.unflattened is None


# The map reaches the head through a function, where reading the code alone (the detectors) loses it.
THROUGH_A_FUNCTION = HEAD_WITHOUT_FLATTEN.replace("maps = features(images)", "encode = lambda x: features(x)").replace(
    "head(maps)", "head(encode(images))")


def test_the_missing_flatten_is_the_finding_though_a_linear_raises(run):
    assert not detect(THROUGH_A_FUNCTION)
    evidence = gather_evidence(THROUGH_A_FUNCTION, run)
    assert evidence.raised.message.startswith("mat1 and mat2 shapes cannot be multiplied (1024x16 and 4096x10)")
    assert [(f.line, f.entry_id) for f in evidence.findings] == [(5, "flatten-before-linear")]
    assert evidence.note.startswith("line 5: Linear(in_features=4096, out_features=10) receives the [4, 16, 16, 16]")


def test_a_lazy_linear_on_a_conv_map_raises_nothing_and_is_still_found(run):
    lazy = THROUGH_A_FUNCTION.replace("nn.Linear(16 * 16 * 16, 10)", "nn.LazyLinear(10)")
    evidence = gather_evidence(lazy, run)
    assert evidence.raised is None and [f.entry_id for f in evidence.findings] == ["flatten-before-linear"]


def test_a_plain_linear_mismatch_names_the_layer_in_the_note(run):
    evidence = gather_evidence("fc = nn.Linear(256, 10)\nx = torch.randn(8, 4, 16).flatten(1)\ny = fc(x)\n", run)
    assert not evidence.findings and "(Linear(in_features=256, out_features=10) receives [8, 64])" in evidence.note


def test_facts_are_read_from_the_last_marker_line_only():
    assert read_facts("no facts here") == LayerFacts()
    assert read_facts("_KB_LAYER_FACTS {not json") == LayerFacts()
    printed = 'user output\n_KB_LAYER_FACTS {"failed": "Linear(in_features=3, out_features=1)", "failed_inputs": [[2, 5]]}'
    assert read_facts(printed).receives == "Linear(in_features=3, out_features=1) receives [2, 5]"


def test_a_batch_without_its_channel_axis_is_conv_input_rank_not_a_channel_mismatch(run):
    cell = "conv = nn.Conv1d(1, 16, 5)\nsignal = torch.randn(32, 400)\nfeats = conv(signal)\n"
    evidence = gather_evidence(cell, run)
    assert "expected input[1, 32, 400] to have 1 channels" in evidence.raised.message
    assert [(f.line, f.entry_id) for f in evidence.findings] == [(3, "conv-input-rank")]
    three_channels = gather_evidence(cell.replace("Conv1d(1,", "Conv1d(3,"), run)  # channels-last, or wrong channels
    assert three_channels.raised is not None and not three_channels.findings


def test_a_list_of_tensors_given_to_torch_tensor_is_told_from_item_on_one_tensor(run):
    listed = gather_evidence("rows = [torch.randn(4) for _ in range(3)]\nbatch = torch.tensor(rows)\n", run)
    assert [(f.line, f.entry_id) for f in listed.findings] == [(2, "tensor-from-list-of-tensors")]
    one = gather_evidence("scores = torch.randn(4)\nbest = float(scores)\n", run)
    assert one.raised.message == "only one element tensors can be converted to Python scalars" and not one.findings
