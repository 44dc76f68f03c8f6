from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import copy_readonly_array as recipe

WARNING = "The given NumPy array is not writable"

RECORDS = '''\
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(0)
blobs = [rng.standard_normal(6).astype(np.float32).tobytes() for _ in range(24)]
targets = rng.standard_normal(24).astype(np.float32)


class BlobDataset(Dataset):
    """Feature rows stored as raw bytes (as read from a key-value store)."""

    def __len__(self):
        return len(blobs)

    def __getitem__(self, idx):
        features = np.frombuffer(blobs[idx], dtype=np.float32)
        return torch.from_numpy(features), targets[idx]


torch.manual_seed(0)
model = nn.Linear(6, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for features, target in DataLoader(BlobDataset(), batch_size=8):
    features -= features.mean(1, keepdim=True)          # in place: needs writable memory
    loss = nn.functional.mse_loss(model(features).squeeze(1), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''

# The bytes the dataset serves from are unchanged, and the samples hold their values.
RECORDS_KEPT = '''
sample, _ = BlobDataset()[3]
assert np.array_equal(sample.numpy(), np.frombuffer(blobs[3], dtype=np.float32))
sample += 1
assert np.array_equal(np.frombuffer(blobs[3], dtype=np.float32) + 1, sample.numpy())
'''

MEMMAP = '''\
import os
import tempfile

import numpy as np
import torch

path = os.path.join(tempfile.mkdtemp(), "frames.npy")
np.save(path, np.arange(5 * 16, dtype=np.float32).reshape(5, 16))


class FrameStore:
    def __init__(self, path):
        self.frames = np.load(path, mmap_mode="r")

    def frame(self, idx):
        return torch.as_tensor(self.frames[idx].reshape(4, 4))


store = FrameStore(path)
clip = torch.stack([store.frame(i) for i in range(3)])
clip.div_(255.0)
'''


def test_bytes_rows_are_copied_at_the_conversion(sandbox):
    patched = patch(recipe, RECORDS, sandbox.warning_facts(RECORDS, "UserWarning"))
    assert "        return torch.from_numpy(features.copy()), targets[idx]\n" in patched
    sandbox.assert_clean(patched + RECORDS_KEPT, without_warning=WARNING)


def test_a_read_only_memmap_slice_is_copied(sandbox):
    patched = patch(recipe, MEMMAP, sandbox.warning_facts(MEMMAP, "UserWarning"))
    assert "        return torch.as_tensor(self.frames[idx].reshape(4, 4).copy())\n" in patched
    sandbox.assert_clean(patched + "assert clip.shape == (3, 4, 4) and abs(clip[2, 3, 3].item() - 47 / 255.0) < 1e-6\n"
                         "assert store.frames[2, 15] == 47.0\n", without_warning=WARNING)


SHARED = '''\
import numpy as np
import torch


def load_table(rows):
    table = np.arange(rows * 3, dtype=np.float32).reshape(rows, 3)
    table.setflags(write=False)  # a cache other code reads: nobody may write it
    return table


class Normaliser:
    """Keeps running statistics in a NumPy buffer that its tensor view reads without copying."""

    def __init__(self, width):
        self.buffer = np.zeros(width, dtype=np.float32)
        self.mean = torch.from_numpy(self.buffer)

    def update(self, batch):
        self.buffer += batch.mean(0).numpy()


def as_batch(table):
    return torch.from_numpy(table)


normaliser = Normaliser(3)
batch = as_batch(load_table(4))
batch -= 1.0                      # in place: needs memory of its own
normaliser.update(batch)
'''


def test_only_the_warned_conversion_is_copied_and_a_shared_buffer_keeps_sharing(sandbox):
    facts = sandbox.warning_facts(SHARED, "UserWarning")
    patched = patch(recipe, SHARED, facts)
    assert "    return torch.from_numpy(table.copy())\n" in patched
    assert "        self.mean = torch.from_numpy(self.buffer)\n" in patched  # copied, the view would go stale
    sandbox.assert_clean(patched + "assert torch.equal(normaliser.mean, torch.tensor([3.5, 4.5, 5.5]))\n"
                         "assert load_table(4)[0, 0] == 0.0 and batch[0, 0] == -1.0\n", without_warning=WARNING)


def test_a_conversion_on_another_line_than_the_warned_one_is_left_alone(sandbox):
    facts = sandbox.warning_facts(SHARED, "UserWarning")
    moved = SHARED.replace("    return torch.from_numpy(table)\n", "    return torch.from_numpy(table.copy())\n")
    assert not applies(recipe, moved, facts)


def test_conversions_already_copied_or_of_lists_are_left_alone():
    facts = Facts("UserWarning", "The given NumPy array is not writable, and PyTorch does not support non-writable "
                  "tensors. This means writing to this tensor will result in undefined behavior.")
    code = ("import numpy as np\nimport torch\na = torch.from_numpy(np.frombuffer(b, np.uint8).copy())\n"
            "c = torch.as_tensor([1, 2, 3])\n")
    assert not applies(recipe, code, facts)
