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
