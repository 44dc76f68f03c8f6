import torch
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class PairFeatures(Dataset):
    """Each item: a user vector and an item vector, concatenated for a ranker."""

    def __init__(self, n=40, user_dim=5, item_dim=3):
        self.users = torch.randn(n, user_dim)
        self.items = torch.randn(n, item_dim)
        self.clicks = torch.randint(0, 2, (n,)).float()

    def __len__(self):
        return len(self.clicks)

    def __getitem__(self, idx):
        u, it = self.users[idx], self.items[idx]
        x = torch.cat([u, it, u[:3] * it], dim=1)
        return x, self.clicks[idx]


ds = PairFeatures()
loader = DataLoader(ds, batch_size=8, shuffle=True)
model = torch.nn.Sequential(torch.nn.Linear(11, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
lossf = torch.nn.BCEWithLogitsLoss()

for epoch in range(3):
    running = 0.0
    for xb, yb in loader:
        logit = model(xb).squeeze(1)
        loss = lossf(logit, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.item() * len(yb)
    print(f"epoch {epoch} bce {running / len(ds):.4f}")
