"""Names a pasted fragment uses undefined: model inputs and loaders are made from the model the
fragment builds, and a made-up target only ever takes the shape of what the loss compares it with."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from assistant.repair.abstract_run import abstract_error
from assistant.repair.undefined_inputs import bindings_for
from assistant.sandbox import WarmSandbox


@pytest.fixture(scope="module")
def run() -> Iterator:
    with WarmSandbox() as box:
        yield box.run_source


LOOP = """\
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3)).to(device)
criterion = nn.CrossEntropyLoss()
opt = optim.Adam(model.parameters())
for epoch in range(3):
    for i, (xb, yb) in enumerate(train_loader):
        xb, yb = xb.to(device), yb.to(device)
        loss = criterion(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def test_a_loader_over_a_models_inputs_and_the_device_are_bound_before_first_use():
    found = {b.name: (b.line, b.value) for b in bindings_for(ast.parse(LOOP))}
    assert found == {"device": (1, "torch.device('meta')"), "train_loader": (4, "_kb_one_batch(model, [])")}


def test_an_input_passed_to_a_model_class_reads_its_forwards_first_layer():
    cell = ("class Net(nn.Module):\n    def forward(self, x):\n        return self.head(self.body(x))\n\n"
            "net = Net()\nout = net(images.float())\n")
    assert [(b.name, b.line, b.value) for b in bindings_for(ast.parse(cell))] == [
        ("images", 6, "_kb_model_input(net, ['body', 'head'])")]


def test_names_without_a_model_that_reads_them_stay_undefined():
    assert bindings_for(ast.parse("out = model(x)\nloss = criterion(out, y)\n")) == ()
    assert bindings_for(ast.parse("head = nn.Linear(4, 2)\nz = x + 1\nout = head(x)\n")) == ()


def test_a_correct_loop_over_an_undefined_loader_runs_clean(run):
    assert abstract_error(LOOP, run) is None
    tagger = LOOP.replace("nn.Linear(20, 64), nn.ReLU()", "nn.Embedding(50, 64)").replace(
        "criterion(model(xb), yb)", "criterion(model(xb).view(-1, 3), yb.view(-1))")
    assert abstract_error(tagger, run) is None


def test_the_loops_own_error_shows_on_the_batch_made_for_it(run):
    error = abstract_error(LOOP.replace("nn.Linear(64, 3)", "nn.Linear(32, 3)"), run)
    assert error.message.startswith("mat1 and mat2 shapes cannot be multiplied (8x64 and 32x3)") and error.line == 7
    error = abstract_error(LOOP.replace("yb.to(device)", "yb.to(device).float()"), run)
    assert error.message == "expected target dtype to be Long or Byte, but got Float" and error.line == 7


def test_a_made_up_target_used_outside_a_loss_leaves_the_run_undecided(run):
    accuracy = LOOP.replace("opt.step()", "opt.step()\n        hits = (model(xb).argmax(1) == yb).sum()")
    assert abstract_error(accuracy.replace("nn.Linear(64, 3)", "nn.Linear(64, 3)"), run) is None
    assert abstract_error(LOOP.replace("opt.step()", "opt.step()\n        print(yb.shape[1])"), run) is None


def test_the_free_size_is_one_the_model_accepts(run):
    cnn = ("net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 15 * 15, 10))\n"
           "logits = net(images)\n")
    assert abstract_error(cnn, run) is None  # 32 x 32 images fit
    error = abstract_error(cnn.replace("8 * 15 * 15", "8 * 14 * 15"), run)
    assert error.message.startswith("mat1 and mat2 shapes cannot be multiplied") and error.line == 2


SCRIPT_WITH_MISSING_IMPORTS = """\
import torch.nn as nn
from torchvision import datasets, transforms
import matplotlib.pyplot as plt

train_set = datasets.MNIST("data", download=True, transform=transforms.ToTensor())
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(64, 10))
out = model(torch.randn(16, 1, 28, 28))
plt.plot(out.detach().numpy())
"""


def test_lines_that_do_not_need_a_missing_module_still_run(run):
    error = abstract_error(SCRIPT_WITH_MISSING_IMPORTS, run)
    assert error.message.startswith("mat1 and mat2 shapes cannot be multiplied (16x128 and 64x10)") and error.line == 7
    fixed = SCRIPT_WITH_MISSING_IMPORTS.replace("nn.Linear(64", "nn.Linear(128")
    assert abstract_error(fixed, run) is None
    assert abstract_error(fixed + "for image, label in train_set:\n    print(image.shape)\n", run) is None


def test_a_loop_over_a_data_set_the_sandbox_lacks_runs_on_a_batch_made_for_its_model(run):
    script = SCRIPT_WITH_MISSING_IMPORTS.replace("out = model(torch.randn(16, 1, 28, 28))\nplt.plot(out.detach().numpy())\n", """\
loader = DataLoader(train_set, batch_size=64, shuffle=True)
for step, (images, labels) in enumerate(loader):
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
""")
    error = abstract_error(script, run)
    assert error.message.startswith("mat1 and mat2 shapes cannot be multiplied (8x128 and 64x10)") and error.line == 9
    assert abstract_error(script.replace("nn.Linear(64", "nn.Linear(128"), run) is None
