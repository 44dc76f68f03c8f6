from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import unpack_the_sample as recipe

PATCHES = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Patches(Dataset):
    def __init__(self, n=10):
        self.x, self.y = torch.randn(n, 16), torch.randint(0, 2, (n,))

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i], f"patch_{i:03d}.npy"    # the file name for error analysis


torch.manual_seed(0)
model = nn.Linear(16, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train_loader = DataLoader(Patches(), batch_size=5, shuffle=False)
targets = []
for epoch in range(2):
    for (x, y) in train_loader:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        targets.append(y)
'''


def test_the_extra_trailing_field_is_ignored(sandbox):
    patched = patch(recipe, PATCHES, sandbox.facts(PATCHES, "ValueError"))
    assert "    for (x, y, *_) in train_loader:\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(torch.cat(targets[:2]), train_loader.dataset.y)\n")


STEPS = '''\
import torch
from torch.utils.data import DataLoader, Dataset


class Pairs(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i % 2:
            return torch.full((3,), float(i)), i
        return torch.zeros(3), i


def evaluate(loader):
    seen = []
    for step, (features, index) in loader:
        seen.append((step, index.tolist()))
    return seen


seen = evaluate(DataLoader(Pairs(), batch_size=4))
'''


def test_a_step_counter_gets_enumerate(sandbox):
    patched = patch(recipe, STEPS, sandbox.facts(STEPS, "ValueError"))
    assert "    for step, (features, index) in enumerate(loader):\n" in patched
    sandbox.assert_clean(patched + "assert seen == [(0, [0, 1, 2, 3]), (1, [4, 5, 6, 7]), (2, [8, 9, 10, 11])]\n")


NOT_ENOUGH = '''\
class Rows(Dataset):
    def __getitem__(self, i):
        return self.x[i], self.y[i]
loader = DataLoader(Rows(), batch_size=8)
for i, x, y in loader:
    pass
'''


def test_not_enough_values_for_a_counter_and_the_fields():
    facts = Facts("ValueError", "not enough values to unpack (expected 3, got 2)", line=5, lines=(5,))
    assert patch(recipe, NOT_ENOUGH, facts).endswith("for i, (x, y) in enumerate(loader):\n    pass\n")


def test_a_dict_sample_is_not_unpacked_by_guess():
    code = NOT_ENOUGH.replace("return self.x[i], self.y[i]", 'return {"x": self.x[i], "y": self.y[i], "id": i}')
    code = code.replace("for i, x, y in loader", "for features, target in loader")  # no key of these names
    facts = Facts("ValueError", "too many values to unpack (expected 2)", line=5, lines=(5,))
    assert not applies(recipe, code, facts)


DICT_SAMPLES = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Spectra(Dataset):
    def __init__(self, n=24):
        g = torch.Generator().manual_seed(1)
        self.signal = torch.randn(n, 32, generator=g)
        self.valid = (torch.rand(n, 32, generator=g) > 0.2).float()
        self.target = torch.randn(n, generator=g)

    def __len__(self):
        return len(self.target)

    def __getitem__(self, i):
        return {"signal": self.signal[i], "valid": self.valid[i], "target": self.target[i], "row": i}


def masked_mean(signal, valid):
    return (signal * valid).sum(1) / valid.sum(1)


def mean_squared_error(head, loader):
    total, count = 0.0, 0
    for features, target in loader:
        predicted = head(masked_mean(features["signal"], features["valid"]).unsqueeze(1)).squeeze(1)
        total += ((predicted - target) ** 2).sum().item()
        count += len(target)
    return total / count


torch.manual_seed(0)
head = nn.Linear(1, 1)
data = Spectra()
mse = mean_squared_error(head, DataLoader(data, batch_size=5))
'''


def test_a_dict_sample_gives_each_name_its_field_or_the_whole_batch(sandbox):
    patched = patch(recipe, DICT_SAMPLES, sandbox.facts(DICT_SAMPLES, "ValueError"))
    assert "    for batch in loader:\n        features, target = batch, batch[\"target\"]\n" in patched
    with_reference = patched + (
        "with torch.no_grad():\n"
        "    expected = ((head(masked_mean(data.signal, data.valid).unsqueeze(1)).squeeze(1) - data.target) ** 2).mean()\n"
        "assert abs(mse - expected.item()) < 1e-5, (mse, expected)\n")
    sandbox.assert_clean(with_reference)


FLAT_ENUMERATE = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
hours = torch.linspace(0, 6.28, 48).unsqueeze(1)
load = torch.sin(hours) + 0.05 * torch.randn(48, 1)
loader = DataLoader(TensorDataset(hours, load), batch_size=12)

model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
logged = []
for epoch in range(40):
    for step, features, target in enumerate(loader):
        loss = nn.functional.mse_loss(model(features), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step == 0:
            logged.append(loss.item())
'''


def test_enumerate_pairs_unpacked_flat_get_the_sample_grouped(sandbox):
    patched = patch(recipe, FLAT_ENUMERATE, sandbox.facts(FLAT_ENUMERATE, "ValueError"))
    assert "    for step, (features, target) in enumerate(loader):\n" in patched
    sandbox.assert_clean(patched + "assert step == 3 and len(logged) == 40 and logged[-1] < logged[0] / 4\n")
