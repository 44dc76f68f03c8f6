from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import copy_reversed_array as recipe

BGR_DATASET = '''\
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class Frames(Dataset):
    """Frames as an OpenCV reader returns them: [H, W, 3] uint8 in BGR order."""

    def __init__(self, n=6):
        rng = np.random.default_rng(0)
        self.frames = rng.integers(0, 256, size=(n, 8, 8, 3), dtype=np.uint8)

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, i):
        rgb = self.frames[i][:, :, ::-1]                 # BGR -> RGB, a reversed view
        return torch.from_numpy(rgb).permute(2, 0, 1).float() / 255


batch = next(iter(DataLoader(Frames(), batch_size=3)))
'''

# The channels really are reversed: red is what the reader stored last.
RGB_ORDER = '''
frames = Frames().frames
assert batch.shape == (3, 3, 8, 8)
assert torch.equal(batch[1, 0], torch.from_numpy(frames[1][:, :, 2].astype(np.float32)) / 255)
'''


def test_the_reversed_view_is_copied_before_conversion(sandbox):
    patched = patch(recipe, BGR_DATASET, sandbox.facts(BGR_DATASET, "ValueError"))
    assert "        return torch.from_numpy(rgb.copy()).permute(2, 0, 1).float() / 255\n" in patched
    sandbox.assert_clean(patched + RGB_ORDER)


def test_no_match_without_a_conversion_on_the_failing_line():
    message = ("At least one stride in the given numpy array is negative, and tensors with negative strides are not "
               "currently supported. (You can probably work around this by making a copy of your array  with "
               "array.copy().) ")
    code = "import torch\nbatch = collate(items)\n"
    assert not applies(recipe, code, Facts("ValueError", message, line=2, lines=(2,)))
