import random

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

torch.manual_seed(0)
random.seed(0)


class Sentences(Dataset):
    def __init__(self, n=30):
        self.data = [torch.randint(1, 50, (random.randint(2, 12),)) for _ in range(n)]

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


class BucketBatchSampler(Sampler):
    """Groups sentences of similar length to reduce padding."""

    def __init__(self, lengths, batch_size):
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer, got {batch_size}")
        self.order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        self.batch_size = batch_size

    def __iter__(self):
        batches = [self.order[i:i + self.batch_size] for i in range(0, len(self.order), self.batch_size)]
        random.shuffle(batches)
        return iter(batches)

    def __len__(self):
        return (len(self.order) + self.batch_size - 1) // self.batch_size


def pad_collate(batch):
    return torch.nn.utils.rnn.pad_sequence(batch, batch_first=True)


ds = Sentences()
sampler = BucketBatchSampler([len(s) for s in ds.data], batch_size=4)
loader = DataLoader(ds, batch_sampler=sampler, collate_fn=pad_collate)
pad_tokens = sum(int((b == 0).sum()) for b in loader)
seen = sorted(i for b in sampler for i in b)
assert seen == list(range(len(ds))) and len(loader) == 8
print("RESULT batches:", len(loader), "padding tokens:", pad_tokens)
