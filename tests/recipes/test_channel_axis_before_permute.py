from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import channel_axis_before_permute as recipe

MIXED_SCANS = '''\
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class Scans(Dataset):
    """Colour photos [H, W, 3] and grayscale scans [H, W] from one folder, as decoders return them."""

    def __init__(self):
        rng = np.random.default_rng(0)
        self.arrays = [rng.random((16, 16, 3), dtype=np.float32) if i % 2 else rng.random((16, 16), dtype=np.float32)
                       for i in range(6)]

    def __len__(self):
        return len(self.arrays)

    def __getitem__(self, i):
        image = torch.from_numpy(self.arrays[i]).permute(2, 0, 1)       # [C, H, W]
        return image.expand(3, -1, -1)                                  # the model takes RGB


dataset = Scans()
batches = [batch for batch in DataLoader(dataset, batch_size=1)]
'''

MEANT = '''
assert all(batch.shape == (1, 3, 16, 16) for batch in batches)
assert torch.equal(batches[0][0, 2], torch.from_numpy(dataset.arrays[0]))     # the gray image in every channel
assert torch.equal(batches[1][0], torch.from_numpy(dataset.arrays[1]).permute(2, 0, 1))   # colour unchanged
'''

ONE_IMAGE = '''\
import torch
from torch import nn

net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
photo = torch.rand(32, 32, 3)                  # one HWC image
scores = net(photo.permute(0, 3, 1, 2))
'''


def test_a_grayscale_image_gets_its_channel_axis(sandbox):
    patched = patch(recipe, MIXED_SCANS, sandbox.facts(MIXED_SCANS, "RuntimeError"))
    assert "image = torch.atleast_3d(torch.from_numpy(self.arrays[i])).permute(2, 0, 1)       # [C, H, W]" in patched
    sandbox.assert_clean(patched + MEANT)


def test_a_single_image_gets_its_batch_axis(sandbox):
    patched = patch(recipe, ONE_IMAGE, sandbox.facts(ONE_IMAGE, "RuntimeError"))
    assert "scores = net(photo.unsqueeze(0).permute(0, 3, 1, 2))" in patched
    sandbox.assert_clean(patched + "assert scores.shape == (1, 4)\n")


def test_other_orders_are_left_alone():
    facts = Facts("RuntimeError", "number of dimensions in the tensor input does not match the length of the desired "
                                  "ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 3", line=2)
    assert not applies(recipe, "import torch\ny = x.permute(1, 2, 0)\n", facts)
    assert applies(recipe, "import torch\ny = x.permute(2, 0, 1)\n", facts)
