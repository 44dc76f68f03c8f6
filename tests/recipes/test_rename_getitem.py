from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import rename_getitem as recipe

TRAINING = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class SensorWindows(Dataset):
    """Sliding windows over one long multichannel recording."""

    def __init__(self, signal, window=16):
        self.signal, self.window = signal, window

    def __len__(self):
        return self.signal.shape[0] - self.window + 1

    def __getitem_(self, idx):
        chunk = self.signal[idx:idx + self.window]
        return chunk[:-1].flatten(), chunk[-1, 0]


torch.manual_seed(0)
signal = torch.randn(200, 3)
dataset = SensorWindows(signal)
loader = DataLoader(dataset, batch_size=32, shuffle=True)
model = nn.Linear(15 * 3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
seen = 0
for inputs, target in loader:
    loss = nn.functional.mse_loss(model(inputs).squeeze(1), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    seen += len(target)
'''

# Every window was served once, with the values of the recording at that position.
EVERY_WINDOW = '''
assert seen == len(dataset) == 185
first, last = dataset[0]
assert torch.equal(first, signal[:15].flatten()) and last == signal[15, 0]
'''

SUBCLASS = '''\
import torch
from torch.utils.data import Dataset


class LabelledSet(Dataset):
    def __init__(self, n):
        self.x = torch.arange(n * 2, dtype=torch.float32).view(n, 2)
        self.y = torch.arange(n) % 3

    def __len__(self):
        return len(self.y)


class AugmentedSet(LabelledSet):
    def __getItem__(self, idx):
        return self.x[idx] * 2, self.y[idx]

    def preview(self, count):
        return [self.__getItem__(i) for i in range(count)]


data = AugmentedSet(10)
print(data.preview(2))
x, y = data[4]
'''


def test_the_misspelt_method_serves_the_loader(sandbox):
    patched = patch(recipe, TRAINING, sandbox.facts(TRAINING, "NotImplementedError"))
    assert "    def __getitem__(self, idx):\n        chunk = self.signal[idx:idx + self.window]\n" in patched
    sandbox.assert_clean(patched + EVERY_WINDOW)


def test_a_subclass_and_its_own_calls_are_renamed(sandbox):
    patched = patch(recipe, SUBCLASS, sandbox.facts(SUBCLASS, "NotImplementedError"))
    assert "def __getItem__" not in patched and "self.__getitem__(i) for i in range(count)" in patched
    sandbox.assert_clean(patched + "assert x.tolist() == [16.0, 18.0] and y == 1\n")


def test_classes_that_are_not_map_datasets_are_left_alone():
    facts = Facts("NotImplementedError", "Subclasses of Dataset should implement __getitem__.")
    plain = "class Cache:\n    def __get_item__(self, i):\n        return i\n"
    stream = ("from torch.utils.data import IterableDataset\nclass Stream(IterableDataset):\n"
              "    def __iter__(self):\n        yield 1\n    def _get_item(self, i):\n        return i\n")
    assert not applies(recipe, plain, facts)
    assert not applies(recipe, stream, facts)


SPECTRA = '''\
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class Spectra(Dataset):
    """Absorbance spectra with their concentration, read from an in-memory table."""

    def __init__(self, n=20, bands=12):
        rng = np.random.default_rng(3)
        self.concentration = rng.uniform(0.1, 1.0, size=n).astype(np.float32)
        self.spectra = np.outer(self.concentration, np.linspace(1.0, 2.0, bands)).astype(np.float32)

    def __len__(self):
        return len(self.spectra)

    def __getitme__(self, index):
        return torch.from_numpy(self.spectra[index]), torch.tensor(self.concentration[index])


torch.manual_seed(0)
model = torch.nn.Linear(12, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(30):
    for spectrum, target in DataLoader(Spectra(), batch_size=5):
        loss = torch.nn.functional.mse_loss(model(spectrum).squeeze(1), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
'''


def test_a_mistyped_item_method_is_renamed(sandbox):
    patched = patch(recipe, SPECTRA, sandbox.facts(SPECTRA, "NotImplementedError"))
    assert "    def __getitem__(self, index):\n" in patched and "__getitme__" not in patched
    sandbox.assert_clean(patched + "assert spectrum.shape == (5, 12) and loss.item() < 0.05\n")


def test_other_protocol_methods_a_letter_away_are_not_renamed():
    facts = Facts("NotImplementedError", "Subclasses of Dataset should implement __getitem__.")
    setter = ("from torch.utils.data import Dataset\nclass Table(Dataset):\n"
              "    def __setitem__(self, i, value):\n        self.rows[i] = value\n")
    batched = ("from torch.utils.data import Dataset\nclass Table(Dataset):\n"
               "    def __getitems__(self, indices):\n        return [self.rows[i] for i in indices]\n")
    assert not applies(recipe, setter, facts)
    assert not applies(recipe, batched, facts)
