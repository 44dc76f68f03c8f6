"""Collate nested sample dicts (tensors, numbers, strings) into batches; written for an older codebase."""
import numpy as np
import torch
from torch._six import container_abcs, int_classes, string_classes
from torch.utils.data import DataLoader, Dataset


def nested_collate(batch):
    elem = batch[0]
    if isinstance(elem, torch.Tensor):
        return torch.stack(batch, 0)
    if isinstance(elem, np.ndarray):
        return torch.from_numpy(np.stack(batch))
    if isinstance(elem, float):
        return torch.tensor(batch, dtype=torch.float64)
    if isinstance(elem, int_classes):
        return torch.tensor(batch)
    if isinstance(elem, string_classes):
        return list(batch)
    if isinstance(elem, container_abcs.Mapping):
        return {key: nested_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, container_abcs.Sequence):
        return [nested_collate(samples) for samples in zip(*batch)]
    raise TypeError(f"cannot collate {type(elem)}")


class Records(Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {
            "id": f"rec-{i:03d}",
            "label": i % 2,
            "weight": 1.0 / (i + 1),
            "inputs": {"image": torch.full((1, 4, 4), float(i)), "meta": np.arange(3, dtype=np.float32) + i},
        }


loader = DataLoader(Records(), batch_size=4, collate_fn=nested_collate)
for batch in loader:
    print(batch["id"], batch["label"].tolist(), tuple(batch["inputs"]["image"].shape))
