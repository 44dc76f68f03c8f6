import torch
import torch.nn as nn

torch.manual_seed(9)

# user/item recommender: concatenated embeddings go through an MLP
N_USERS, N_ITEMS, DIM = 50, 80, 16


class Recommender(nn.Module):
    def __init__(self):
        super().__init__()
        self.users = nn.Embedding(N_USERS, DIM)
        self.items = nn.Embedding(N_ITEMS, DIM)
        self.mlp = nn.Sequential(nn.Linear(2 * DIM, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, u, i):
        z = torch.cat([self.users(u), self.items(i)], dim=-1)
        return self.mlp(z).squeeze(-1)


u = torch.randint(0, N_USERS, (256,))
i = torch.randint(0, N_ITEMS, (256,))
rating = torch.rand(256) * 5
model = Recommender()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(20):
    opt.zero_grad()
    pred = model(u, i)
    loss = nn.functional.mse_loss(pred, rating)
    loss.backward()
    opt.step()
assert pred.shape == rating.shape and torch.isfinite(loss)
print(f"RESULT rmse={loss.sqrt().item():.3f}")
