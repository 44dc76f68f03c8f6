import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(11)
np.random.seed(11)
torch.manual_seed(11)

PARAM_BUDGET = 6000
CONFIGS = {
    "wide": dict(d_in=16, hidden=256, depth=2, n_out=4),
    "medium": dict(d_in=16, hidden=64, depth=2, n_out=4),
    "small": dict(d_in=16, hidden=32, depth=1, n_out=4),
}


class MLP(nn.Module):
    def __init__(self, d_in, hidden, depth, n_out):
        super().__init__()
        layers, width = [], d_in
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.GELU()]
            width = hidden
        layers.append(nn.Linear(width, n_out))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def pick_config():
    candidates = {}
    for name, cfg in CONFIGS.items():
        with torch.device("meta"):
            m = MLP(**cfg)
        candidates[name] = (m, count_params(m))
        print(f"{name:7s} params={candidates[name][1]}")
    fitting = {k: v for k, v in candidates.items() if v[1] <= PARAM_BUDGET}
    best = max(fitting, key=lambda k: fitting[k][1])
    return best, MLP(**CONFIGS[best])


def main():
    best, model = pick_config()
    print(f"chosen config: {best}")
    init_weights = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}

    g = torch.Generator().manual_seed(11)
    x = torch.randn(512, 16, generator=g)
    y = (x[:, :4].abs().argmax(1))
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for step in range(100):
        idx = torch.randint(0, len(x), (64,), generator=g)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()

    drift = {k: float(np.linalg.norm(v.detach().numpy() - init_weights[k]))
             for k, v in model.state_dict().items()}
    acc = (model(x).argmax(1) == y).float().mean().item()
    assert np.isfinite(loss.item()) and all(d > 0 for d in drift.values())
    assert count_params(model) <= PARAM_BUDGET
    print(f"RESULT config={best} acc={acc:.3f} max_drift={max(drift.values()):.3f}")


if __name__ == "__main__":
    main()
