# Contrastive pretraining data: each item is two noisy "views" of the same vector.
import argparse
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader


class TwoViewDataset(Dataset):
    def __init__(self, n, dim, noise, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.base = torch.randn(n, dim, generator=g)
        self.noise = noise

        def augment(x):
            return x + self.noise * torch.randn_like(x)

        self.augment = augment

        def __getitem__(self, idx):
            x = self.base[idx]
            return self.augment(x), self.augment(x)

    def __len__(self):
        return len(self.base)


def info_nce(z1, z2, temperature=0.2):
    z1, z2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    logits = z1 @ z2.t() / temperature
    return F.cross_entropy(logits, torch.arange(len(z1)))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--dim", type=int, default=16)
    ap.add_argument("--noise", type=float, default=0.1)
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    encoder = torch.nn.Sequential(torch.nn.Linear(args.dim, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8))
    opt = torch.optim.Adam(encoder.parameters(), lr=1e-2)
    loader = DataLoader(TwoViewDataset(args.n, args.dim, args.noise), batch_size=32, shuffle=True)
    for epoch in range(5):
        for v1, v2 in loader:
            loss = info_nce(encoder(v1), encoder(v2))
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} info_nce {loss.item():.3f}")


main([])
