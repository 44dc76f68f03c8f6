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
