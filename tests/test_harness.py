"""The harness reads user code it has not run: odd class graphs must give an answer, not a crash."""

import pytest

from assistant.repair import harness

CYCLIC_BASES = """\
import torch.nn as nn

class A(nn.Module, B):
    def __init__(self):
        super().__init__()

class B(A):
    pass
"""


def test_cyclic_base_classes_do_not_recurse_forever():
    assert harness.needs_harness(CYCLIC_BASES)
    with pytest.raises(harness.CannotDrive, match="forward"):
        harness.drive(CYCLIC_BASES)


BLOCKS = """\
import torch
from torch import nn

class Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)

blocks = nn.Sequential(Residual(32), Residual(32))
"""


def test_a_container_of_the_files_modules_that_is_called_is_a_script_not_a_model_file():
    assert harness.needs_harness(BLOCKS)  # defined, never run: the harness drives it
    assert not harness.needs_harness(BLOCKS + "out = blocks(torch.randn(2, 32, 10))\n")


TRAINER = """\
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(x)

    @classmethod
    def from_checkpoint(cls, path):
        return cls()

class Trainer:
    def __init__(self):
        self.model = Net()

    def run(self):
        return self.model(torch.randn(3, 8))
"""


def test_a_class_method_or_a_method_of_a_top_level_object_runs_the_files_code():
    assert harness.needs_harness(TRAINER)  # nothing below the classes runs them
    assert not harness.needs_harness(TRAINER + 'model = Net.from_checkpoint("net.pt").to("cpu")\n')
    assert not harness.needs_harness(TRAINER + "trainer = Trainer()\ntrainer.run()\n")
    assert harness.needs_harness(TRAINER + "trainer = Trainer()\n")  # built, never run
    assert harness.needs_harness(TRAINER + "trainer = Trainer()\ntrainer._private()\n")


def test_modules_built_by_one_tuple_assignment_are_run_by_the_loop_that_calls_them():
    loop = ("model, trainer = Net(), Trainer()\n"
            "for step in range(2):\n    out = model(torch.randn(3, 8))\n")
    assert not harness.needs_harness(TRAINER + loop)
    assert not harness.needs_harness(TRAINER + "model, trainer = Net(), Trainer()\ntrainer.run()\n")
    assert harness.needs_harness(TRAINER + "model, trainer = Net(), Trainer()\n")  # built, never run
