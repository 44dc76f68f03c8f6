from tests.recipes.kbfix import patch
from assistant.repair.recipes import infer_object_dtype as recipe

FEATURE_TABLE = '''\
import numpy as np
import torch

rng = np.random.default_rng(2)
features = [rng.normal(size=8) for _ in range(10)]
table = np.array(features, dtype=object)
x = torch.from_numpy(table)
w = torch.randn(8, 2, dtype=torch.float64)
y = x @ w
'''


def test_an_object_table_of_numbers_becomes_numeric_where_torch_reads_it(sandbox):
    patched = patch(recipe, FEATURE_TABLE, sandbox.facts(FEATURE_TABLE, "TypeError"))
    assert "\nx = torch.from_numpy(np.array(table.tolist()))\n" in patched
    sandbox.assert_clean(patched + '''
assert x.dtype == torch.float64 and x.shape == (10, 8) and torch.equal(x[3], torch.from_numpy(features[3]))
assert y.shape == (10, 2)
''')


FRAMES = '''\
import numpy
import torch
from torch.utils.data import Dataset


class Frames(Dataset):
    def __init__(self):
        rng = numpy.random.default_rng(7)
        self.frames = numpy.empty(5, dtype=object)
        for i in range(5):
            self.frames[i] = rng.integers(0, 255, size=(4, 4)).astype(numpy.uint8)

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, i):
        return torch.from_numpy(self.frames[i:i + 2]).float() / 255


ds = Frames()
clip = ds[1]
'''


def test_an_object_array_of_equal_frames_keeps_their_dtype(sandbox):
    patched = patch(recipe, FRAMES, sandbox.facts(FRAMES, "TypeError"))
    assert "        return torch.from_numpy(numpy.array(self.frames[i:i + 2].tolist())).float() / 255\n" in patched
    sandbox.assert_clean(patched + '''
assert clip.shape == (2, 4, 4)
assert torch.equal(clip[0] * 255, torch.from_numpy(ds.frames[1]).float())
assert numpy.array(ds.frames[0:2].tolist()).dtype == numpy.uint8
''')


RAGGED = '''\
import numpy as np
import torch

rng = np.random.default_rng(3)
table = np.array([rng.normal(size=n) for n in (3, 5, 4)], dtype=object)
x = torch.from_numpy(table)
'''


def test_ragged_objects_still_fail_so_nothing_is_claimed(sandbox):
    patched = patch(recipe, RAGGED, sandbox.facts(RAGGED, "TypeError"))
    result = sandbox.run(patched)
    assert result.error is not None and result.error.type == "ValueError"
