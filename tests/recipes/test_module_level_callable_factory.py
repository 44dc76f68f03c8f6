"""module-level-callable where the unpicklable lambda is what a factory returns.

The situation: a helper builds a closure (`def build_transform(mean, std): return lambda img: ...`)
and the caller hands it to a Dataset or DataLoader that spawn workers must pickle; pickle names it
`build_transform.<locals>.<lambda>`. The fix lifts the lambda to a module-level def that takes the
factory's values first, and the factory returns `functools.partial` of it. Shapes:
- a scaling transform stored by a Dataset;
- a factory method of a class (`Augment.build`), its result stored by the Dataset;
- a collate_fn factory handed to the DataLoader.
Left alone: a factory's lambda the message does not name (the one refused is another).
"""

from tests.recipes.kbfix import patch
from assistant.repair.recipes import module_level_callable as recipe

SCALER = '''\
import torch
from torch.utils.data import DataLoader, Dataset


class Readings(Dataset):
    def __init__(self, values, transform):
        self.values, self.transform = values, transform

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return self.transform(self.values[i])


def make_scaler(low, high):
    return lambda x: (x - low) / (high - low)


if __name__ == "__main__":
    data = Readings(torch.arange(8.0), transform=make_scaler(0.0, 7.0))
    batches = list(DataLoader(data, batch_size=4, num_workers=1, multiprocessing_context="spawn"))
    assert torch.allclose(torch.cat(batches), torch.arange(8.0) / 7.0)
'''

METHOD_FACTORY = '''\
import torch
from torch.utils.data import DataLoader, Dataset


class Augment:
    def build(self, gain):
        return lambda img: img * gain


class Images(Dataset):
    def __init__(self, n, transform):
        self.images, self.transform = torch.ones(n, 2, 2), transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i])


if __name__ == "__main__":
    images = Images(6, Augment().build(3.0))
    loader = DataLoader(images, batch_size=3, num_workers=1, multiprocessing_context="spawn")
    assert all(torch.equal(batch, torch.full((3, 2, 2), 3.0)) for batch in loader)
'''

COLLATE_FACTORY = '''\
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader


def padding_collate(pad):
    return lambda batch: pad_sequence(batch, batch_first=True, padding_value=pad)


if __name__ == "__main__":
    sequences = [torch.arange(n) + 1 for n in (2, 3, 1, 4)]
    loader = DataLoader(sequences, batch_size=2, collate_fn=padding_collate(-1), num_workers=1,
                        multiprocessing_context="spawn")
    first, second = list(loader)
    assert first.tolist() == [[1, 2, -1], [1, 2, 3]] and second.shape == (2, 4)
'''


def test_a_transform_factory_returns_a_partial_of_a_module_level_def(sandbox):
    patched = patch(recipe, SCALER, sandbox.facts(SCALER, "AttributeError"))
    assert "def scaler_fn(low, high, x):\n    return (x - low) / (high - low)\n" in patched
    assert "    return functools.partial(scaler_fn, low, high)\n" in patched
    sandbox.assert_clean(patched)


def test_a_factory_method(sandbox):
    patched = patch(recipe, METHOD_FACTORY, sandbox.facts(METHOD_FACTORY, "AttributeError"))
    assert "        return functools.partial(" in patched and "gain)\n" in patched
    sandbox.assert_clean(patched)


def test_a_collate_factory(sandbox):
    patched = patch(recipe, COLLATE_FACTORY, sandbox.facts(COLLATE_FACTORY, "AttributeError"))
    assert "    return functools.partial(padding_collate_fn, pad)\n" in patched
    sandbox.assert_clean(patched)


OTHER_LAMBDA_NAMED = '''\
import torch
from torch.utils.data import DataLoader


def largest_first():
    return lambda pair: -pair[1]


def main():
    rows = [torch.tensor([3.0, 1.0]), torch.tensor([2.0, 5.0])]
    loader = DataLoader(rows, batch_size=2, num_workers=1, multiprocessing_context="spawn",
                        collate_fn=lambda batch: torch.stack(sorted(batch, key=lambda row: -row.sum())))
    ordered = sorted(enumerate(next(iter(loader)).sum(1).tolist()), key=largest_first())
    assert ordered[0] == (0, 7.0)


if __name__ == "__main__":
    main()
'''


def test_a_factory_lambda_the_message_does_not_name_stays(sandbox):
    patched = patch(recipe, OTHER_LAMBDA_NAMED, sandbox.facts(OTHER_LAMBDA_NAMED, "AttributeError"))
    assert "def largest_first():\n    return lambda pair: -pair[1]\n" in patched
    assert "collate_fn=collate_batch)" in patched
    sandbox.assert_clean(patched)
