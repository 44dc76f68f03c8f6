"""Feature extraction over a synthetic 'HDF5-like' store; spawn workers because the reader is not fork-safe."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader


class ShardedArrayStore(Dataset):
    """Pretends to open a file handle lazily in each worker process."""

    def __init__(self, n_items=32, dim=12):
        self.n_items, self.dim = n_items, dim
        self._handle = None

    def _open(self):
        rng = np.random.default_rng(42)
        self._handle = rng.standard_normal((self.n_items, self.dim)).astype(np.float32)

    def __len__(self):
        return self.n_items

    def __getitem__(self, idx):
        if self._handle is None:
            self._open()
        return torch.from_numpy(self._handle[idx]), idx


def main():
    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 4)).eval()
    store = ShardedArrayStore()
    loader = DataLoader(
        store,
        batch_size=8,
        num_workers=2,
        multiprocessing_context="spawn",
        timeout=30,
    )

    features = torch.zeros(len(store), 4)
    with torch.no_grad():
        for rows, idx in loader:
            features[idx] = encoder(rows)
    print("feature matrix:", tuple(features.shape), "mean norm", features.norm(dim=1).mean().item())
    expected = encoder(torch.from_numpy(np.random.default_rng(42).standard_normal((32, 12)).astype(np.float32)))
    assert torch.allclose(features, expected.detach(), atol=1e-6)
    print(f"RESULT features={tuple(features.shape)}")


if __name__ == "__main__":
    main()
