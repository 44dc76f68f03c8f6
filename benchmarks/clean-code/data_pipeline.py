"""Data loading for variable-length samples: a collate function, a weighted sampler and seeded workers.

Samples are (sequence, label) pairs of different lengths, so the default
collate cannot stack them; pad_collate pads and returns lengths. Class
imbalance is handled with WeightedRandomSampler (which then decides the
order, so shuffle is not passed). Workers are seeded through worker_init_fn
and the loader's generator, and the loader is only started under the main guard.
"""
import random

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, IterableDataset, WeightedRandomSampler, get_worker_info


class SequenceDataset(Dataset):
    """Imbalanced toy data: one in five sequences is of class 1."""

    def __init__(self, n: int, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.labels = (rng.random(n) < 0.2).astype(np.int64)
        self.sequences = [
            rng.normal(loc=float(label), size=(rng.integers(3, 9), 4)).astype(np.float32)
            for label in self.labels
        ]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        sequence = torch.from_numpy(self.sequences[index])
        label = torch.tensor(self.labels[index])
        return sequence, label


class LineStream(IterableDataset):
    """Streams records; each worker takes every num_workers-th one so none is read twice."""

    def __init__(self, n_records: int) -> None:
        super().__init__()
        self.n_records = n_records

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        for index in range(start, self.n_records, step):
            yield torch.tensor([index, index * index], dtype=torch.float32)


def read_stream(n_records: int, num_workers: int) -> torch.Tensor:
    loader = DataLoader(LineStream(n_records), batch_size=4, num_workers=num_workers)
    return torch.cat(list(loader))


def pad_collate(batch: list[tuple[torch.Tensor, torch.Tensor]]):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([s.size(0) for s in sequences])
    padded = pad_sequence(sequences, batch_first=True)        # (B, T_max, 4)
    return padded, lengths, torch.stack(labels)


def seed_worker(worker_id: int) -> None:
    """Gives NumPy and random in each worker a seed derived from torch's worker seed."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def balanced_sampler(labels: np.ndarray, generator: torch.Generator) -> WeightedRandomSampler:
    counts = np.bincount(labels)
    weights = torch.from_numpy(1.0 / counts[labels])
    return WeightedRandomSampler(weights, num_samples=len(labels), replacement=True, generator=generator)


def build_loader(dataset: SequenceDataset, batch_size: int, num_workers: int, seed: int) -> DataLoader:
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=balanced_sampler(dataset.labels, generator),
        collate_fn=pad_collate,
        num_workers=num_workers,
        worker_init_fn=seed_worker if num_workers else None,
        generator=generator,
        persistent_workers=num_workers > 0,
    )


def masked_mean(padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean over the real time steps of each sequence, ignoring padding."""
    steps = torch.arange(padded.size(1)).unsqueeze(0)
    mask = (steps < lengths.unsqueeze(1)).unsqueeze(-1).to(padded.dtype)
    return (padded * mask).sum(1) / lengths.unsqueeze(1).to(padded.dtype)


def describe_worker() -> str:
    info = get_worker_info()
    return "main process" if info is None else f"worker {info.id}"


def main() -> None:
    dataset = SequenceDataset(200, seed=14)
    loader = build_loader(dataset, batch_size=20, num_workers=2, seed=14)
    seen = np.zeros(2, dtype=np.int64)
    for epoch in range(2):
        for padded, lengths, labels in loader:
            assert padded.size(0) == lengths.size(0) == labels.size(0)
            features = masked_mean(padded, lengths)
            assert features.shape == (labels.size(0), 4)
            seen += np.bincount(labels.numpy(), minlength=2)
    share = seen[1] / seen.sum()
    print(f"class-1 share after balancing: {share:.2f} (raw data: {dataset.labels.mean():.2f})")
    print("this loop ran in the", describe_worker())

    streamed = read_stream(30, num_workers=2)
    assert sorted(streamed[:, 0].tolist()) == list(range(30)), "each record exactly once"
    print(f"streamed {len(streamed)} records through 2 workers")


if __name__ == "__main__":
    main()
