from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import pad_collate as recipe

REVIEWS = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

PAD_ID = 0
torch.manual_seed(0)


class Reviews(Dataset):
    """Token ids of different lengths with a label and a fixed-size feature vector."""

    def __init__(self, n=24, vocab=100):
        lengths = torch.randint(3, 15, (n,))
        self.items = [(torch.randint(1, vocab, (int(k),)), torch.randn(4), i % 2) for i, k in enumerate(lengths)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(100, 16, padding_idx=PAD_ID)
        self.out = nn.Linear(16 + 4, 2)

    def forward(self, ids, extra):
        return self.out(torch.cat([self.emb(ids), extra], dim=1))


def train(model, loader):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for ids, extra, labels in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(ids, extra), labels)
        loss.backward()
        opt.step()
    return ids, extra, labels


dataset = Reviews()
train_loader = DataLoader(dataset, batch_size=8, shuffle=False)
last = train(Model(), train_loader)
'''

MEANT = '''
ids, extra, labels = last
samples = [dataset[i] for i in range(16, 24)]
assert ids.shape == (8, max(len(s[0]) for s in samples))
assert all(torch.equal(ids[k, :len(s[0])], s[0]) and (ids[k, len(s[0]):] == PAD_ID).all() for k, s in enumerate(samples))
assert extra.shape == (8, 4) and labels.tolist() == [s[2] for s in samples]
'''

CLIPS = '''\
import torch
from torch.utils import data


class Clips(data.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {"audio": torch.randn(100 + 10 * i, 2), "speaker": i}


batch = next(iter(data.DataLoader(Clips(), batch_size=3)))
'''


def test_pads_the_ragged_field_and_collates_the_rest(sandbox):
    patched = patch(recipe, REVIEWS, sandbox.facts(REVIEWS, "RuntimeError"))
    assert "train_loader = DataLoader(dataset, batch_size=8, shuffle=False, collate_fn=pad_collate)" in patched
    assert "value=PAD_ID" in patched
    sandbox.assert_clean(patched + MEANT)


def test_dict_samples_with_a_time_axis(sandbox):
    patched = patch(recipe, CLIPS, sandbox.facts(CLIPS, "RuntimeError"))
    assert "data.DataLoader(Clips(), batch_size=3, collate_fn=pad_collate)" in patched
    sandbox.assert_clean(patched + "assert batch['audio'].shape == (3, 120, 2) and batch['speaker'].tolist() == [0, 1, 2]\n")


def test_a_loader_with_its_own_collate_is_left_alone():
    facts = Facts("RuntimeError", "stack expects each tensor to be equal size, but got [3] at entry 0 and [5] at entry 1",
                  line=3)
    custom = "import torch\nloader = DataLoader(ds, batch_size=4, collate_fn=my_collate)\nfor x in loader:\n    pass\n"
    assert not applies(recipe, custom, facts)
    assert applies(recipe, custom.replace(", collate_fn=my_collate", ""), facts)


MONO_CLIPS = '''\
import torch
from torch.utils.data import DataLoader, Dataset


class Clips(Dataset):
    """Mono clips [1, T] of different durations: the ragged axis is the last one."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return torch.arange(1.0, 1.0 + 5 + 3 * i).unsqueeze(0), i % 2


net = torch.nn.Sequential(torch.nn.Conv1d(1, 2, 3), torch.nn.AdaptiveAvgPool1d(1), torch.nn.Flatten())
for wave, speaker in DataLoader(Clips(), batch_size=2):
    net(wave)
'''


def test_clips_ragged_on_their_last_axis_are_padded_there(sandbox):
    patched = patch(recipe, MONO_CLIPS, sandbox.facts(MONO_CLIPS, "RuntimeError"))
    assert "DataLoader(Clips(), batch_size=2, collate_fn=pad_collate)" in patched
    sandbox.assert_clean(patched + (
        "assert wave.shape == (2, 1, 14) and speaker.tolist() == [0, 1]\n"
        "assert torch.equal(wave[0, 0, :11], torch.arange(1.0, 12.0)) and (wave[0, 0, 11:] == 0).all()\n"
        "assert torch.equal(wave[1, 0], torch.arange(1.0, 15.0))\n"))


READINGS = '''\
import torch
from torch.utils.data import DataLoader

records = [([float(k) for k in range(1, n + 1)], n % 2) for n in (3, 5, 2, 4)]
for readings, label in DataLoader(records, batch_size=2):
    x = torch.stack(readings, dim=1)
'''


def test_lists_of_readings_are_padded_not_cut_to_the_shortest(sandbox):
    patched = patch(recipe, READINGS, sandbox.facts(READINGS, "RuntimeError"))
    assert "DataLoader(records, batch_size=2, collate_fn=pad_collate)" in patched
    sandbox.assert_clean(patched + "assert x.tolist() == [[1, 2, 0, 0], [1, 2, 3, 4]] and label.tolist() == [0, 0]\n")


OWN_STACK = '''\
import torch

PAD_IDX = 0
utterances = [torch.full((n, 5), float(n)) for n in (7, 9, 4)]
batch = torch.stack(utterances)
out, _ = torch.nn.LSTM(5, 3, batch_first=True)(batch)
'''


def test_the_scripts_own_stack_pads_batch_first(sandbox):
    patched = patch(recipe, OWN_STACK, sandbox.facts(OWN_STACK, "RuntimeError"))
    assert "batch = torch.nn.utils.rnn.pad_sequence(utterances, batch_first=True, padding_value=PAD_IDX)" in patched
    sandbox.assert_clean(patched + (
        "assert batch.shape == (3, 9, 5) and out.shape == (3, 9, 3)\n"
        "assert (batch[2, :4] == 4).all() and (batch[2, 4:] == 0).all() and (batch[1] == 9).all()\n"))
