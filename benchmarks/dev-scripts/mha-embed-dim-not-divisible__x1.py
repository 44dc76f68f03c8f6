"""Transformer encoder over tabular feature tokens (one token per feature)."""
import argparse

import torch
import torch.nn as nn


def get_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-features", type=int, default=8)
    ap.add_argument("--d-model", type=int, default=60)
    ap.add_argument("--nhead", type=int, default=8)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=30)
    return ap.parse_args([])


class FeatureTokenizer(nn.Module):
    def __init__(self, n_features, d_model):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_features, d_model) * 0.1)
        self.bias = nn.Parameter(torch.zeros(n_features, d_model))

    def forward(self, x):
        return x.unsqueeze(-1) * self.weight + self.bias


class TabTransformer(nn.Module):
    def __init__(self, n_features, d_model, nhead, layers):
        super().__init__()
        self.tok = FeatureTokenizer(n_features, d_model)
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model))
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2 * d_model, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, 1)

    def forward(self, x):
        t = self.tok(x)
        t = torch.cat([self.cls.expand(len(x), -1, -1), t], dim=1)
        return self.head(self.encoder(t)[:, 0]).squeeze(-1)


def main():
    args = get_args()
    torch.manual_seed(0)
    x = torch.randn(128, args.n_features)
    y = (x[:, 0] * x[:, 1] + x[:, 2] > 0).float()
    model = TabTransformer(args.n_features, args.d_model, args.nhead, args.layers)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    for step in range(args.steps):
        logits = model(x)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    acc = ((logits > 0).float() == y).float().mean().item()
    assert logits.shape == (128,)
    assert torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f} acc={acc:.3f}")


if __name__ == "__main__":
    main()
