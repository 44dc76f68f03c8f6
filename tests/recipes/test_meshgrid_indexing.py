from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import meshgrid_indexing as recipe

ANCHORS = '''\
import numpy as np
import torch
from torch import meshgrid


class AnchorGenerator:
    def __init__(self, stride):
        self.stride = stride

    def centers(self, feat_h, feat_w):
        ys, xs = torch.meshgrid(torch.arange(feat_h), torch.arange(feat_w))
        return torch.stack([xs, ys], dim=-1).reshape(-1, 2).float().add(0.5).mul(self.stride)


def grid(n):
    return meshgrid([torch.linspace(0, 1, n)] * 2)


centers = AnchorGenerator(16).centers(4, 6)
gx, gy = grid(3)
np_x, np_y = np.meshgrid(np.arange(3), np.arange(2))
'''

# Same shapes and values as before: x varies fastest along the rows of centres.
SAME_GRIDS = '''
assert centers.shape == (24, 2) and centers[1].tolist() == [24.0, 8.0] and centers[-1].tolist() == [88.0, 56.0]
assert gx[2, 0] == 1 and gx[0, 2] == 0
'''


def test_every_call_states_the_indexing_it_relies_on(sandbox):
    facts = sandbox.warning_facts(ANCHORS, "UserWarning")
    patched = patch(recipe, ANCHORS, facts)
    assert '        ys, xs = torch.meshgrid(torch.arange(feat_h), torch.arange(feat_w), indexing="ij")\n' in patched
    assert '    return meshgrid([torch.linspace(0, 1, n)] * 2, indexing="ij")\n' in patched
    assert "np.meshgrid(np.arange(3), np.arange(2))\n" in patched
    sandbox.assert_clean(patched + SAME_GRIDS, without_warning="torch.meshgrid")


def test_calls_that_pass_indexing_are_left_alone():
    facts = Facts("UserWarning", "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                                 "argument.")
    assert not applies(recipe, 'a, b = torch.meshgrid(x, y, indexing="xy")\n', facts)
