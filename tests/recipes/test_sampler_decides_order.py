from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import sampler_decides_order as recipe

BALANCED = '''\
import torch
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

CONFIG = {"batch_size": 20, "epochs": 2}


def balanced_loader(dataset, labels, batch_size):
    class_count = torch.bincount(labels).float()
    weights = (1.0 / class_count)[labels]
    sampler = WeightedRandomSampler(weights, num_samples=1000, replacement=True)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        shuffle=True,
    )


torch.manual_seed(0)
labels = torch.tensor([0] * 90 + [1] * 10)
dataset = TensorDataset(torch.randn(100, 4), labels)
drawn = []
for epoch in range(CONFIG["epochs"]):
    for x, y in balanced_loader(dataset, labels, CONFIG["batch_size"]):
        drawn.append(y)
'''

# The weighted sampler still decides: both classes are drawn about equally often.
BALANCED_DRAWS = '''
drawn = torch.cat(drawn)
assert len(drawn) == 2000 and 0.4 < drawn.float().mean().item() < 0.6
'''


def test_the_shuffle_beside_a_sampler_is_removed(sandbox):
    patched = patch(recipe, BALANCED, sandbox.facts(BALANCED, "ValueError"))
    assert ("    return DataLoader(\n        dataset,\n        batch_size=batch_size,\n"
            "        sampler=sampler,\n    )\n") in patched
    sandbox.assert_clean(patched + BALANCED_DRAWS)


BUCKETS = '''\
import torch
from torch.utils.data import BatchSampler, DataLoader, SequentialSampler

lengths = [3, 9, 4, 8, 2, 7, 5, 6]
order = sorted(range(len(lengths)), key=lengths.__getitem__)
buckets = BatchSampler(order, batch_size=2, drop_last=False)
loader = DataLoader([torch.zeros(n) for n in lengths], batch_size=4, shuffle=False, batch_sampler=buckets,
                    collate_fn=lambda b: torch.nn.utils.rnn.pad_sequence(b, batch_first=True))
shapes = [tuple(batch.shape) for batch in loader]
'''


def test_a_batch_sampler_decides_the_batches_alone(sandbox):
    patched = patch(recipe, BUCKETS, sandbox.facts(BUCKETS, "ValueError"))
    assert "loader = DataLoader([torch.zeros(n) for n in lengths], batch_sampler=buckets,\n" in patched
    sandbox.assert_clean(patched + "assert shapes == [(2, 3), (2, 5), (2, 7), (2, 9)]\n")


def test_a_shuffle_passed_by_position_is_left_alone():
    facts = Facts("ValueError", "sampler option is mutually exclusive with shuffle", line=1, lines=(1,))
    assert not applies(recipe, "loader = DataLoader(ds, 8, True, sampler=s)\n", facts)
    assert applies(recipe, "loader = DataLoader(ds, 8, shuffle=True, sampler=s)\n", facts)
