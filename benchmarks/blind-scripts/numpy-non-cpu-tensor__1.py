"""Model skeleton created on the meta device for a quick size check, then used."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
DEVICE = torch.device("meta")


def build(device):
    with device:
        return nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 4))


model = build(DEVICE)
n_params = sum(p.numel() for p in model.parameters())


def export_weights(net):
    return {name: p.detach().numpy() for name, p in net.named_parameters()}


weights = export_weights(model)
total = sum(float(np.abs(w).sum()) for w in weights.values())
assert n_params == 16 * 64 + 64 + 64 * 4 + 4
assert len(weights) == 4
assert np.isfinite(total)
print(f"RESULT params={n_params} l1={total:.2f}")
