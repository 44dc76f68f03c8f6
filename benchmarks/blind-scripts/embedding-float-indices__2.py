import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(1)


class MovieRatings(Dataset):
    """(user, movie, rating) rows kept in one float table, like a CSV export."""

    def __init__(self, n=200):
        users = torch.randint(0, 30, (n,)).float()
        movies = torch.randint(0, 40, (n,)).float()
        ratings = torch.randint(1, 6, (n,)).float()
        self.table = torch.stack([users, movies, ratings], dim=1)

    def __len__(self):
        return len(self.table)

    def __getitem__(self, i):
        user, movie, rating = self.table[i]
        return user, movie, rating


class MatrixFactorization(nn.Module):
    def __init__(self, n_users=30, n_movies=40, k=8):
        super().__init__()
        self.u, self.m = nn.Embedding(n_users, k), nn.Embedding(n_movies, k)

    def forward(self, user, movie):
        return (self.u(user) * self.m(movie)).sum(-1)


loader = DataLoader(MovieRatings(), batch_size=50, shuffle=True)
mf = MatrixFactorization()
opt = torch.optim.Adam(mf.parameters(), lr=0.05)
for epoch in range(3):
    for user, movie, rating in loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(mf(user, movie), rating)
        loss.backward()
        opt.step()
assert torch.isfinite(loss)
print(f"RESULT mse={loss.item():.3f}")
