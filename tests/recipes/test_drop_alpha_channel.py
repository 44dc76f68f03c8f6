from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import drop_alpha_channel as recipe

SPRITES = '''\
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(7)


class SpriteSheet(Dataset):
    """Sprites exported by the game engine as raw RGBA bytes, one buffer per sprite."""

    def __init__(self, n=6, side=16):
        self.side = side
        self.buffers = [rng.integers(0, 256, side * side * 4, dtype=np.uint8).tobytes() for _ in range(n)]

    def __len__(self):
        return len(self.buffers)

    def __getitem__(self, i):
        pixels = torch.frombuffer(bytearray(self.buffers[i]), dtype=torch.uint8)
        rgb = pixels.reshape(self.side, self.side, 3)
        return rgb.permute(2, 0, 1).float() / 255


sheet = SpriteSheet()
images = next(iter(DataLoader(sheet, batch_size=3)))
'''

# Each image is the colour channels of its sprite, alpha dropped.
COLOUR_CHANNELS = '''
rgba = torch.frombuffer(bytearray(sheet.buffers[0]), dtype=torch.uint8).reshape(16, 16, 4)
assert images.shape == (3, 3, 16, 16)
assert torch.equal(images[0], rgba[..., :3].permute(2, 0, 1).float() / 255)
'''


def test_the_buffer_is_viewed_with_its_four_channels_and_alpha_dropped(sandbox):
    patched = patch(recipe, SPRITES, sandbox.facts(SPRITES, "RuntimeError"))
    assert "rgb = pixels.reshape(self.side, self.side, 4)[..., :3]\n" in patched
    sandbox.assert_clean(patched + COLOUR_CHANNELS)


def test_no_match_when_the_sizes_are_not_four_thirds():
    code = "import torch\nx = torch.zeros(100)\nimg = x.view(4, 4, 3)\n"
    facts = Facts("RuntimeError", "shape '[4, 4, 3]' is invalid for input of size 100", line=3, lines=(3,))
    assert not applies(recipe, code, facts)
