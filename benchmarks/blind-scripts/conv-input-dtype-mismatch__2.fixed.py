import torch
import torch.nn as nn

torch.manual_seed(3)
SAMPLE_RATE = 800

# raw-waveform audio classifier with 1D convolutions
t = torch.arange(SAMPLE_RATE, dtype=torch.float64) / SAMPLE_RATE
freqs = torch.randint(5, 50, (24,), dtype=torch.float64)
waves = torch.sin(2 * torch.pi * freqs[:, None] * t[None, :]).unsqueeze(1).float()
is_high = (freqs > 25).long()


class WaveCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, kernel_size=9, stride=4)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.pool(torch.relu(self.conv(x))).squeeze(-1))


model = WaveCNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(10):
    opt.zero_grad()
    logits = model(waves)
    loss = nn.functional.cross_entropy(logits, is_high)
    loss.backward()
    opt.step()
assert logits.shape == (24, 2)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
