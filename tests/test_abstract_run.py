"""The abstract run: pasted code runs in the sandbox on meta tensors, and the error it raises is the
one the CPU would raise, at the user's line, without the compute (or memory) of a real run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.repair.abstract_run import abstract_error, program_for
from assistant.sandbox import WarmSandbox


@pytest.fixture(scope="module")
def run() -> Iterator:
    with WarmSandbox() as box:
        yield box.run_source


TAGGER = """\
import torch.nn as nn

class PosTagger(nn.Module):
    def __init__(self, vocab, width=96, tags=17):
        super().__init__()
        self.lookup = nn.Embedding(vocab, width)
        self.norm = nn.BatchNorm1d(width)
        self.out = nn.Linear(width, tags)

    def forward(self, ids):
        vectors = self.lookup(ids)   # [B, T, 96]
        return self.out(self.norm(vectors))
"""


def test_a_model_only_module_is_driven_with_shapes_from_its_layers(run):
    error = abstract_error(TAGGER, run)
    assert error is not None and error.type == "RuntimeError"
    assert error.message.startswith("running_mean should contain") and error.message.endswith("not 96")
    assert error.line == 12 and error.user_frame.code == "return self.out(self.norm(vectors))"


def test_a_fragment_without_imports_gets_the_cpu_wording_of_a_shape_error(run):
    fragment = "head = nn.Linear(256, 10)\nfeatures = torch.randn(8, 64)\nscores = head(features)\n"
    error = abstract_error(fragment, run)
    assert error.message.startswith("mat1 and mat2 shapes cannot be multiplied (8x64 and 256x10)")
    assert error.line == 3


def test_a_dtype_mismatch_that_meta_kernels_accept_is_still_found(run):
    fragment = "net = nn.Linear(3, 1)\nx = torch.from_numpy(np.ones((5, 3)))\ny = net(x)\n"
    error = abstract_error(fragment, run)
    assert error is not None and "same dtype" in error.message and error.line == 3


def test_a_model_too_big_to_build_for_real_runs_abstractly(run):
    # 4 x 40000 x 40000 float32 weights are 25 GB: a real run would be killed at the 2 GB limit.
    huge = ("stack = nn.Sequential(*[nn.Linear(40000, 40000) for _ in range(4)])\n"
            "out = stack(torch.randn(16, 40000))\nout.sum().backward()\n")
    assert abstract_error(huge, run) is None
    assert abstract_error(huge.replace("randn(16, 40000)", "randn(16, 4000)"), run).message.startswith("mat1 and mat2")


def test_a_correct_training_loop_reads_made_up_values_and_finds_nothing(run):
    loop = """\
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loader = DataLoader(TensorDataset(torch.randn(64, 20), torch.randint(0, 3, (64,))), batch_size=16, shuffle=True)
best = float("inf")
for epoch in range(2):
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if loss.item() < best:
            best = loss.item()
    print(epoch, best, model(xb).argmax(1).numpy()[:3])
"""
    assert abstract_error(loop, run) is None


def test_the_codes_own_check_of_values_tells_nothing(run):
    fragment = "probs = torch.sigmoid(torch.randn(4))\nassert (probs > 0.9).all(), 'model not trained'\n"
    assert abstract_error(fragment, run) is None


def test_a_warning_is_the_finding_with_its_line(run):
    notebook_cell = "logits = torch.randn(2, 5, 7)\n\nprobs = F.softmax(logits)\nprobs.shape\n"
    error = abstract_error(notebook_cell, run)
    assert error.warning and error.type == "UserWarning" and error.line == 3
    assert error.message.startswith("Implicit dimension choice for softmax")


def test_a_fragment_cut_from_its_program_tells_nothing(run):
    assert abstract_error("    out = model(batch)\n    loss = criterion(out, target)\n", run) is None


def test_what_is_not_python_is_not_run():
    assert program_for("my loss is nan after a few steps, why?") is None
    assert program_for("def forward(self, x):\n    return self.fc(x") is None


def test_a_method_body_runs_on_the_shapes_its_comments_declare(run):
    body = """\
# frames: (64, 40, 100)
enc = self.encoder(frames)        # -> (64, 256, 25)
pooled = enc.view(-1, 256 * 24)
return self.head(pooled)
"""
    error = abstract_error(body, run)
    assert error.message == "shape '[-1, 6144]' is invalid for input of size 409600" and error.line == 3


def test_a_forward_pasted_alone_is_called_with_its_declared_input(run):
    forward = """\
self.norm = nn.LayerNorm(64)

def forward(self, x):     # x: [B, 10, 48]
    return self.norm(x)
"""
    error = abstract_error(forward, run)
    assert error.message.startswith("Given normalized_shape=[64], expected input with shape [*, 64]")
    assert error.line == 4
    assert abstract_error(forward.replace("48]", "64]"), run) is None


def test_shapes_with_sizes_the_comment_does_not_give_are_not_made_up(run):
    body = "# h: [B, T, H]\nout = self.proj(h)  # (B, T, 10)\nprobs = out.softmax(-1)\n"
    assert abstract_error(body, run) is None


def test_a_warning_before_an_error_does_not_hide_it(run):
    cell = "scores = torch.randn(4, 3)\nprobs = F.softmax(scores)\nloss = F.nll_loss(probs.log(), torch.rand(4))\n"
    error = abstract_error(cell, run)
    assert not error.warning and error.line == 3 and "Long" in error.message


def test_a_mask_is_not_made_up_as_floats(run):
    fragment = ("# boxes: (N, 4)\nscores = detector(images)   # (N, 1)\nkeep = scores > cutoff   # (N, 1)\n"
                "kept = boxes[keep[:, 0]]\n")
    assert abstract_error(fragment, run) is None


def test_a_value_is_made_up_only_where_a_real_run_would_have_one(run):
    cell = "losses = torch.randn(5, 3)\ntotal = losses.sum().item()\nper_row = losses.mean(1).item()\n"
    error = abstract_error(cell, run)
    assert error.message == "a Tensor with 5 elements cannot be converted to Scalar" and error.line == 3


def test_shape_checks_that_meta_kernels_skip_are_made_on_the_cpu(run):
    assert abstract_error("logits = torch.randn(32, 10)\nprobs = logits.softmax(dim=2)\n", run).type == "IndexError"
    assign = "buf = torch.zeros(10, 4)\nbuf[torch.tensor([0, 3, 7])] = torch.randn(2, 4)\n"
    assert abstract_error(assign, run).message.startswith("shape mismatch: value tensor of shape [2, 4]")
    rows = "parts = [torch.randn(2) for _ in range(3)]\nall_ = torch.tensor(parts)\n"
    assert abstract_error(rows, run).message == "only one element tensors can be converted to Python scalars"
    assert abstract_error(rows.replace("randn(2)", "randn(())"), run) is None


def test_moving_to_a_device_keeps_the_run_abstract(run):
    cell = """\
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Linear(3, 2).to(device)
x = torch.randn(4, 3, device="cuda").cuda()
y = model(x.to(device, non_blocking=True)).cpu()
z = model(y.to("cuda"))
"""
    error = abstract_error(cell, run)
    assert error.message.startswith("mat1 and mat2 shapes cannot be multiplied (4x2 and 3x2)") and error.line == 5


def test_what_only_the_sandbox_lacks_tells_nothing(run):
    assert abstract_error("x = torch.zeros(3)\nfree = torch.cuda.mem_get_info()\n", run) is None
    assert abstract_error("x = torch.randn(6)\nkept = x[x > 0]\ntotal = kept.sum()\n", run) is None


LENET = """\
class LeNet(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.MaxPool2d(2))
        self.fc = nn.Linear(16 * 5 * 5, classes)

    def forward(self, x):  # x: (N, 1, 28, 28)
        x = self.features(x)   # x: (N, 16, 5, 5)
        return self.fc(x.flatten(1))
"""


def test_a_model_is_driven_on_the_input_its_forward_declares(run):
    # The harness would try 32 x 32 first, which this head fits; the user says 28 x 28.
    error = abstract_error(LENET, run)
    assert error.message.startswith("mat1 and mat2 shapes cannot be multiplied (32x256 and 400x24)") and error.line == 9
    assert abstract_error(LENET.replace("(N, 1, 28, 28)", "(N, 1, 32, 32)"), run) is None
    # a comment further down describes an intermediate value, not the input: the harness decides
    assert abstract_error(LENET.replace("  # x: (N, 1, 28, 28)", ""), run) is None


def test_an_operation_that_checks_values_is_not_decided_on_zeros(run):
    packed = """\
padded = torch.randn(4, 9, 16)
lengths = torch.tensor([9, 7, 5, 2])
packed = nn.utils.rnn.pack_padded_sequence(padded, lengths.cpu(), batch_first=True)
"""
    assert abstract_error(packed, run) is None
