"""Collate helper copied from an old repository."""
import torch
string_classes = str
from torch.utils.data import DataLoader

torch.manual_seed(0)


def collate(batch):
    first = batch[0]
    if isinstance(first, string_classes):
        return list(batch)
    if isinstance(first, tuple):
        return tuple(collate(list(items)) for items in zip(*batch))
    return torch.stack(batch)


samples = [(torch.randn(3), f"id-{i}") for i in range(10)]
loader = DataLoader(samples, batch_size=4, collate_fn=collate)
total, names = 0.0, []
for x, ids in loader:
    total += x.sum().item()
    names += ids
assert len(names) == 10
print(f"RESULT total={total:.4f}")
