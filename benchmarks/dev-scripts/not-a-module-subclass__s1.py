"""Config-driven MLP builder used for a quick hyperparameter sweep on a synthetic regression task."""
import itertools
import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.randn(256, 10)
y = (X[:, :3].sum(1, keepdim=True) ** 2) / 3


def build_mlp(in_dim, hidden_sizes, out_dim, dropout):
    layers = []
    prev = in_dim
    for h in hidden_sizes:
        layers.append(nn.Linear(prev, h))
        layers.append(nn.ReLU())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        prev = h
    layers.append(nn.Linear(prev, out_dim))
    return nn.Sequential(layers)


def fit(model, epochs=60, lr=1e-2):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        loss = nn.functional.mse_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


results = {}
for hidden, dropout in itertools.product([(32,), (64, 32)], [0.0, 0.1]):
    model = build_mlp(10, hidden, 1, dropout)
    results[(hidden, dropout)] = fit(model)
for cfg, loss in sorted(results.items(), key=lambda kv: kv[1]):
    print(cfg, f"{loss:.4f}")
