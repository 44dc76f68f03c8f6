import torch
from torch import nn

torch.manual_seed(4)

# audio clips of different durations, features computed per clip
clips = [torch.randn(int(n)) for n in torch.randint(800, 1200, (12,))]
labels = torch.randint(0, 3, (12,))


def clip_features(wave: torch.Tensor, frame: int = 100) -> torch.Tensor:
    frames = wave[: len(wave) // frame * frame].view(-1, frame)
    return frames.pow(2).mean(1).log()              # log energy per frame


feats = nn.utils.rnn.pad_sequence([clip_features(c)[:8] for c in clips], batch_first=True)
model = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)


def summarize(f):
    return f.mean(1, keepdim=True)


for epoch in range(20):
    opt.zero_grad()
    logits = model(summarize(feats))
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
assert logits.shape == (12, 3) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
