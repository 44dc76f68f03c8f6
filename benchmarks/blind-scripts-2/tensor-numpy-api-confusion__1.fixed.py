import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


def to_model_input(depth_map):
    """Depth maps come in as uint16 millimetres; the net wants float metres in [0, 1]."""
    depth = depth_map.to(torch.float32) / 1000.0
    return depth.clamp(0, 10) / 10.0


class DepthDataset(Dataset):
    def __init__(self, n=16):
        rng = np.random.default_rng(0)
        self.maps = rng.integers(0, 12000, size=(n, 24, 24)).astype(np.int32)

    def __len__(self):
        return len(self.maps)

    def __getitem__(self, i):
        raw = torch.from_numpy(self.maps[i])
        x = to_model_input(raw).unsqueeze(0)
        return x, (x > 0.5).float()


torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 1))
loader = DataLoader(DepthDataset(), batch_size=4)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for x, target in loader:
    loss = nn.functional.binary_cross_entropy_with_logits(model(x), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("loss", loss.item())
assert x.dtype == torch.float32 and 0.0 <= x.min() and x.max() <= 1.0
assert torch.isfinite(loss)
print(f"RESULT depth model trained, loss {loss.item():.4f}")
