import torch
from torch import nn

torch.manual_seed(1)
N, N_NUMERIC, N_CATS, EMB = 128, 4, 10, 6

numeric = torch.randn(N, N_NUMERIC)
category = torch.randint(0, N_CATS, (N,))
target = numeric.sum(1, keepdim=True) + (category == 3).float().unsqueeze(1)


class WideAndDeep(nn.Module):
    def __init__(self):
        super().__init__()
        self.cat_emb = nn.Embedding(N_CATS, EMB)
        self.mlp = nn.Sequential(nn.Linear(N_NUMERIC + EMB, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, num, cat):
        e = self.cat_emb(cat)
        return self.mlp(torch.cat([num, e], dim=1))


model = WideAndDeep()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(25):
    opt.zero_grad()
    pred = model(numeric, category)
    loss = nn.functional.mse_loss(pred, target)
    loss.backward()
    opt.step()
assert pred.shape == target.shape and torch.isfinite(loss)
print(f"RESULT mse={loss.item():.4f}")
