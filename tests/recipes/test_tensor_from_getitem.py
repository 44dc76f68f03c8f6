from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import tensor_from_getitem as recipe

CSV_TRAINING = '''\
import csv
import io

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

CSV = "\\n".join(",".join(f"{(i * 7 + j) % 5 / 4:.2f}" for j in range(4)) + f",{i % 3}" for i in range(12))


class CsvRows(Dataset):
    def __init__(self, text):
        self.rows = [[float(v) for v in row] for row in csv.reader(io.StringIO(text))]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        row = self.rows[i]
        return row[:4], int(row[4])


def train(model, loader, device, epochs=2):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = []
    for epoch in range(epochs):
        for features, labels in loader:
            features, labels = features.to(device), labels.to(device)
            loss = nn.functional.cross_entropy(model(features), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen.append((tuple(features.shape), labels.tolist()))
    return seen


torch.manual_seed(0)
seen = train(nn.Linear(4, 3), DataLoader(CsvRows(CSV), batch_size=6), "cpu")
'''

# Whole [batch, 4] float rows, trained against the same labels as the file holds.
TRAINED = '''
assert [shape for shape, _ in seen] == [(6, 4)] * 4
assert seen[0][1] == [i % 3 for i in range(6)] and seen[1][1] == [i % 3 for i in range(6, 12)]
'''


def test_the_dataset_returns_the_row_as_a_tensor(sandbox):
    patched = patch(recipe, CSV_TRAINING, sandbox.facts(CSV_TRAINING, "AttributeError"))
    assert "        return torch.tensor(row[:4]), int(row[4])\n" in patched
    sandbox.assert_clean(patched + TRAINED)


TOKENS = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Reviews(Dataset):
    def __init__(self, n, length=6, vocab=20):
        g = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, vocab, (n, length), generator=g).tolist()
        self.labels = [i % 2 for i in range(n)]

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return self.ids[i], self.labels[i]


class Images(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return torch.zeros(3, 8, 8), i


embed, head = nn.Embedding(20, 8), nn.Linear(8, 2)
train_data = Reviews(10)
loader = DataLoader(train_data, batch_size=5, shuffle=False)
for step, (ids, label) in enumerate(loader):
    batch, length = ids.shape
    logits = head(embed(ids).mean(dim=1))
'''


def test_token_ids_of_the_loader_s_own_dataset_become_a_long_tensor(sandbox):
    patched = patch(recipe, TOKENS, sandbox.facts(TOKENS, "AttributeError"))
    assert "        return torch.tensor(self.ids[i]), self.labels[i]\n" in patched
    assert "        return torch.zeros(3, 8, 8), i\n" in patched
    sandbox.assert_clean(patched + "assert ids.dtype == torch.int64 and (batch, length) == (5, 6)\n"
                                   "assert torch.equal(ids, torch.tensor(train_data.ids[5:]))\n")


def test_a_tuple_sample_used_whole_is_not_turned_into_one_tensor():
    code = ("class Rows(Dataset):\n    def __getitem__(self, i):\n        return self.x[i], self.y[i]\n"
            "for batch in loader:\n    batch.to('cpu')\n")
    facts = Facts("AttributeError", "'list' object has no attribute 'to'", line=5, lines=(5,))
    assert not applies(recipe, code, facts)
    assert applies(recipe, code.replace("return self.x[i], self.y[i]", "return self.x[i]"), facts)


RECORDS = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

WEATHER = [[0.1 * ((i * 3 + j) % 7) for j in range(5)] for i in range(16)]


class Stations(Dataset):
    """One reading per station and hour, as the JSON export gives it."""

    def __init__(self, readings):
        self.readings = readings

    def __len__(self):
        return len(self.readings)

    def __getitem__(self, idx):
        sample = {"readings": self.readings[idx], "rain": float(sum(self.readings[idx]) > 1.5)}
        return sample


def fit(model, loader, device="cpu"):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    shapes = []
    for batch in loader:
        inputs = batch["readings"]
        logits = model(inputs.to(device)).squeeze(1)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, batch["rain"].float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        shapes.append(tuple(inputs.shape))
    return shapes


torch.manual_seed(0)
shapes = fit(nn.Linear(5, 1), DataLoader(Stations(WEATHER), batch_size=4))
'''


def test_a_dict_field_read_by_key_becomes_a_tensor(sandbox):
    patched = patch(recipe, RECORDS, sandbox.facts(RECORDS, "AttributeError"))
    assert 'sample = {"readings": torch.tensor(self.readings[idx]), "rain"' in patched
    sandbox.assert_clean(patched + "assert shapes == [(4, 5)] * 4\n")


PAIRS = RECORDS.replace('''        sample = {"readings": self.readings[idx], "rain": float(sum(self.readings[idx]) > 1.5)}
        return sample''', '''        return self.readings[idx], float(sum(self.readings[idx]) > 1.5)''').replace('''        inputs = batch["readings"]''', '''        inputs, rain = batch''').replace('batch["rain"].float()', "rain.float()")


def test_a_tuple_field_unpacked_in_the_loop_body_becomes_a_tensor(sandbox):
    patched = patch(recipe, PAIRS, sandbox.facts(PAIRS, "AttributeError"))
    assert "        return torch.tensor(self.readings[idx]), float(sum(self.readings[idx]) > 1.5)\n" in patched
    sandbox.assert_clean(patched + "assert shapes == [(4, 5)] * 4\n")
