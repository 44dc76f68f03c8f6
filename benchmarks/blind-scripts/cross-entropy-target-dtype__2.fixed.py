import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(4)


class GestureClips(Dataset):
    def __init__(self, n=64):
        self.clips = torch.randn(n, 3, 30)
        self.labels = torch.randint(0, 5, (n,))

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, idx):
        return self.clips[idx], self.labels[idx]


class GestureNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 16, 5)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        return F.log_softmax(self.fc(F.relu(self.conv(x)).mean(-1)), dim=-1)


net = GestureNet()
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
for epoch in range(2):
    for clip, label in DataLoader(GestureClips(), batch_size=16):
        opt.zero_grad()
        loss = F.nll_loss(net(clip), label)
        loss.backward()
        opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
