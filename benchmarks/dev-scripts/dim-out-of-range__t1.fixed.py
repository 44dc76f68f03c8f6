import random

import numpy as np
import torch
import torch.nn as nn


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class SpeakerEncoder(nn.Module):
    """Conv encoder over (batch, channels, time) features with attentive statistics pooling."""

    def __init__(self, n_mels=20, channels=32, emb=16):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, channels, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.score = nn.Conv1d(channels, 1, kernel_size=1)
        self.proj = nn.Linear(2 * channels, emb)

    def forward(self, feats):
        h = self.conv(feats)
        w = torch.softmax(self.score(h), dim=2)
        mean = (h * w).sum(dim=2)
        var = (h * h * w).sum(dim=2) - mean * mean
        std = var.clamp(min=1e-6).sqrt()
        return self.proj(torch.cat([mean, std], dim=1))


def make_utterances(n, n_mels=20, min_len=40, max_len=80):
    utts = []
    for _ in range(n):
        t = int(torch.randint(min_len, max_len, (1,)))
        utts.append(torch.randn(n_mels, t))
    return utts


@torch.no_grad()
def embed_all(model, utterances):
    model.eval()
    embs = []
    for feats in utterances:
        feats = (feats - feats.mean(dim=1, keepdim=True)) / (feats.std(dim=1, keepdim=True) + 1e-5)
        e = model(feats.unsqueeze(0))
        embs.append(nn.functional.normalize(e, dim=-1))
    return torch.cat(embs)


def main():
    seed_all(0)
    model = SpeakerEncoder()
    utts = make_utterances(6)
    embs = embed_all(model, utts)
    sims = embs @ embs.T
    assert embs.shape == (6, 16)
    assert torch.allclose(sims.diag(), torch.ones(6), atol=1e-5)
    off = sims[~torch.eye(6, dtype=torch.bool)]
    print(f"RESULT n={embs.shape[0]} dim={embs.shape[1]} mean_offdiag_sim={off.mean().item():.4f}")


if __name__ == "__main__":
    main()
