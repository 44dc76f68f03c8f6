"""Embedding lookup table stored in half precision to save memory."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class Scorer(nn.Module):
    def __init__(self, n_items=200, dim=32):
        super().__init__()
        self.items = nn.Embedding(n_items, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, ids):
        return self.mlp(self.items(ids)).squeeze(-1)


model = Scorer()
model.items.half()                      # shrink the big table
ids = torch.randint(0, 200, (64,))
clicks = torch.rand(64)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(10):
    opt.zero_grad()
    scores = model(ids)
    loss = nn.functional.mse_loss(torch.sigmoid(scores), clicks)
    loss.backward()
    opt.step()
assert scores.shape == (64,)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
