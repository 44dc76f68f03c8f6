import random

import numpy as np
import torch

random.seed(12)
np.random.seed(12)
torch.manual_seed(12)

N_USERS, N_ITEMS, RANK = 30, 40, 4
HPARAMS = {"lr": 0.02, "weight_decay": 1e-3, "epochs": 30, "batch_size": 64}


def make_ratings(density=0.7):
    g = torch.Generator().manual_seed(12)
    u_true = torch.randn(N_USERS, RANK, generator=g)
    v_true = torch.randn(N_ITEMS, RANK, generator=g)
    full = u_true @ v_true.T / RANK ** 0.5
    mask = torch.rand(N_USERS, N_ITEMS, generator=g) < density
    users, items = mask.nonzero(as_tuple=True)
    return users, items, full[users, items]


class MatrixFactorization:
    def __init__(self, n_users, n_items, rank, init_scale=0.1):
        self.user_emb = (torch.randn(n_users, rank) * init_scale).requires_grad_()
        self.item_emb = (torch.randn(n_items, rank) * init_scale).requires_grad_()
        self.user_bias = torch.zeros(n_users, requires_grad=True)
        self.item_bias = torch.zeros(n_items, requires_grad=True)

    def parameters(self):
        return [self.user_emb, self.item_emb, self.user_bias, self.item_bias]

    def predict(self, users, items):
        dot = (self.user_emb[users] * self.item_emb[items]).sum(-1)
        return dot + self.user_bias[users] + self.item_bias[items]


def main():
    users, items, ratings = make_ratings()
    n = len(ratings)
    perm = torch.randperm(n)
    train_idx, test_idx = perm[: int(0.8 * n)], perm[int(0.8 * n):]

    mf = MatrixFactorization(N_USERS, N_ITEMS, RANK)
    opt = torch.optim.Adam(mf.parameters(), lr=HPARAMS["lr"],
                           weight_decay=HPARAMS["weight_decay"])
    for epoch in range(HPARAMS["epochs"]):
        shuffled = train_idx[torch.randperm(len(train_idx))]
        for i in range(0, len(shuffled), HPARAMS["batch_size"]):
            b = shuffled[i: i + HPARAMS["batch_size"]]
            pred = mf.predict(users[b], items[b])
            loss = torch.mean((pred - ratings[b]) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 10 == 0:
            print(f"epoch {epoch} batch mse {loss.item():.4f}")

    with torch.no_grad():
        test_mse = torch.mean((mf.predict(users[test_idx], items[test_idx]) - ratings[test_idx]) ** 2)
        baseline = torch.mean((ratings[train_idx].mean() - ratings[test_idx]) ** 2)
    assert torch.isfinite(test_mse)
    assert all(p.is_leaf and p.grad is not None for p in mf.parameters())
    assert test_mse < baseline, (test_mse, baseline)
    print(f"RESULT test_mse={test_mse:.4f} baseline_mse={baseline:.4f}")


if __name__ == "__main__":
    main()
