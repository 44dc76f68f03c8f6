"""dataclass-fields-to-collate: a dataclass record in a Dataset's sample stops default_collate.
Other shapes of the situation than the dev script's (a dict field read from a list filled by
append): a record built in `__getitem__`, held in a local name and returned as a tuple element
(no `asdict` imported yet); the whole sample a frozen `@dataclasses.dataclass` kept in a list
comprehension; a dict sample bound to a name before it is returned. Look-alikes it must leave alone: a dataclass with an optional field, a plain class
whose instances collate cannot batch either, and a message about None in a file with a dataclass."""

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import dataclass_fields_to_collate as recipe

TUPLE_WITH_RECORD = '''\
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(1)


@dataclass
class Provenance:
    site: int
    weight: float


class Readings(Dataset):
    def __init__(self, n=30):
        self.x = torch.randn(n, 6)
        self.y = torch.randn(n, 1)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        origin = Provenance(site=i % 3, weight=1.0 + (i % 2))
        return self.x[i], self.y[i], origin


model = torch.nn.Linear(6, 1)
readings = Readings()
losses = []
for x, y, origin in DataLoader(readings, batch_size=10):
    per_sample = F.mse_loss(model(x), y, reduction="none").squeeze(1)
    losses.append((per_sample * origin["weight"]).mean())
'''

# the weights arrive as one tensor per batch, each sample's own (float64, as collate makes Python floats)
WEIGHTED_AS_MEANT = '''
expected = [(F.mse_loss(model(readings.x[s:s + 10]), readings.y[s:s + 10], reduction="none").squeeze(1)
             * torch.tensor([1.0 + (i % 2) for i in range(s, s + 10)])).mean() for s in (0, 10, 20)]
assert len(losses) == 3 and all(torch.allclose(a.float(), b) for a, b in zip(losses, expected))
'''

WHOLE_SAMPLE_RECORD = '''\
import dataclasses

import torch
from torch.utils.data import DataLoader, Dataset


@dataclasses.dataclass(frozen=True)
class Example:
    features: torch.Tensor
    label: int


class Examples(Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.items = [Example(features=torch.randn(4, generator=g), label=k % 2) for k in range(16)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, k):
        return self.items[k]


classifier = torch.nn.Linear(4, 2)
for batch in DataLoader(Examples(), batch_size=8):
    loss = torch.nn.functional.cross_entropy(classifier(batch["features"]), batch["label"])
    loss.backward()
'''


def test_a_record_returned_in_a_tuple_becomes_a_dict_of_batched_fields(sandbox):
    patched = patch(recipe, TUPLE_WITH_RECORD, sandbox.facts(TUPLE_WITH_RECORD, "TypeError"))
    assert "        return self.x[i], self.y[i], dataclasses.asdict(origin)\n" in patched
    assert patched.count("import dataclasses\n") == 1
    sandbox.assert_clean(patched + WEIGHTED_AS_MEANT)


def test_a_whole_sample_record_is_batched_field_by_field(sandbox):
    patched = patch(recipe, WHOLE_SAMPLE_RECORD, sandbox.facts(WHOLE_SAMPLE_RECORD, "TypeError"))
    assert "        return dataclasses.asdict(self.items[k])\n" in patched
    sandbox.assert_clean(patched + "assert batch['features'].shape == (8, 4) and batch['label'].tolist() == [0, 1] * 4\n")


def test_a_sample_dict_bound_to_a_name_gets_its_record_converted(sandbox):
    named = TUPLE_WITH_RECORD.replace("        return self.x[i], self.y[i], origin\n",
                                      "        sample = {\"x\": self.x[i], \"y\": self.y[i], \"origin\": origin}\n        return sample\n")
    named = named.replace("for x, y, origin in DataLoader(readings, batch_size=10):\n",
                          "for batch in DataLoader(readings, batch_size=10):\n    x, y, origin = batch[\"x\"], batch[\"y\"], batch[\"origin\"]\n")
    patched = patch(recipe, named, sandbox.facts(named, "TypeError"))
    assert '"origin": dataclasses.asdict(origin)}' in patched
    sandbox.assert_clean(patched + WEIGHTED_AS_MEANT)


def test_a_record_with_an_optional_field_is_left_alone(sandbox):
    optional = TUPLE_WITH_RECORD.replace("    weight: float\n", "    weight: float\n    box: torch.Tensor | None = None\n")
    assert not applies(recipe, optional, sandbox.facts(optional, "TypeError"))


def test_a_plain_class_is_left_alone(sandbox):
    plain = TUPLE_WITH_RECORD.replace("@dataclass\nclass Provenance:\n    site: int\n    weight: float\n",
                                      "class Provenance:\n    def __init__(self, site, weight):\n"
                                      "        self.site, self.weight = site, weight\n")
    assert not applies(recipe, plain, sandbox.facts(plain, "TypeError"))


def test_a_none_field_beside_a_dataclass_is_left_alone():
    message = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found <class 'NoneType'>"
    assert not applies(recipe, TUPLE_WITH_RECORD, Facts("TypeError", message, line=35, lines=(35,)))
