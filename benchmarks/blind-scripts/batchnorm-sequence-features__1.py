"""Keyword spotting on log-mel frames: [batch, frames, mels]."""
import torch
import torch.nn as nn

torch.manual_seed(0)
BATCH, FRAMES, MELS, KEYWORDS = 16, 40, 24, 5


class FrameEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.BatchNorm1d(MELS)
        self.gru = nn.GRU(MELS, 32, batch_first=True)
        self.out = nn.Linear(32, KEYWORDS)

    def forward(self, mel):
        mel = self.norm(mel)
        _, h = self.gru(mel)
        return self.out(h[-1])


mel = torch.randn(BATCH, FRAMES, MELS)
labels = torch.randint(0, KEYWORDS, (BATCH,))
net = FrameEncoder()
opt = torch.optim.Adam(net.parameters(), lr=5e-3)

for it in range(10):
    opt.zero_grad()
    logits = net(mel)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    opt.step()

assert logits.shape == (BATCH, KEYWORDS)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
