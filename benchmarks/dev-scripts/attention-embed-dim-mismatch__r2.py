# Audio-ish classifier: conv front end over raw features, then attention pooling.
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(3)

N_MELS, CHANNELS, FRAMES, N_CLASSES = 40, 64, 50, 6


class ConvAttnNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.frontend = nn.Sequential(
            nn.Conv1d(N_MELS, CHANNELS, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv1d(CHANNELS, CHANNELS, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.pool = nn.MultiheadAttention(CHANNELS, num_heads=8, batch_first=True)
        self.cls = nn.Linear(CHANNELS, N_CLASSES)

    def forward(self, spec):                 # spec: (B, N_MELS, FRAMES)
        feats = self.frontend(spec)          # (B, CHANNELS, FRAMES)
        ctx, weights = self.pool(feats, feats, feats)
        return self.cls(ctx.mean(dim=1)), weights


X = torch.randn(24, N_MELS, FRAMES)
y = torch.randint(0, N_CLASSES, (24,))
loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

net = ConvAttnNet()
optim = torch.optim.Adam(net.parameters(), lr=1e-3)
for epoch in range(2):
    total = 0.0
    for spec, label in loader:
        logits, _ = net(spec)
        loss = nn.functional.cross_entropy(logits, label)
        optim.zero_grad()
        loss.backward()
        optim.step()
        total += loss.item()
    print(f"epoch {epoch}: {total / len(loader):.4f}")
