import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)
# multi-label tagging of short audio clips: several tags may be on at once
N_TAGS = 6
clips = torch.randn(48, 1, 40)
tags = (torch.rand(48, N_TAGS) > 0.7).float()

tagger = nn.Sequential(
    nn.Conv1d(1, 8, 5, stride=2), nn.ReLU(),
    nn.AdaptiveAvgPool1d(1), nn.Flatten(),
    nn.Linear(8, N_TAGS), nn.Tanh(),
)
opt = torch.optim.Adam(tagger.parameters(), lr=5e-3)


def train_epoch():
    opt.zero_grad()
    out = tagger(clips)
    loss = F.binary_cross_entropy(out, tags)
    loss.backward()
    opt.step()
    return out, loss


for epoch in range(8):
    out, loss = train_epoch()
assert out.shape == tags.shape
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
