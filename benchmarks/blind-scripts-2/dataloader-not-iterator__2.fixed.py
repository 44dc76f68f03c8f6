"""Step-based training (a set number of updates, not epochs), as in many RL / diffusion codebases."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader


class SineRegression(Dataset):
    def __init__(self, n=50):
        rng = np.random.default_rng(0)
        self.x = rng.uniform(-3, 3, size=(n, 1)).astype(np.float32)
        self.y = np.sin(self.x).astype(np.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.from_numpy(self.y[i])


class Trainer:
    def __init__(self, model, loader, total_steps=40, log_every=10):
        self.model, self.loader = model, loader
        self.total_steps, self.log_every = total_steps, log_every
        self.opt = torch.optim.Adam(model.parameters(), lr=5e-3)
        self._it = iter(loader)

    def next_batch(self):
        try:
            return next(self._it)
        except StopIteration:
            self._it = iter(self.loader)
            return next(self._it)

    def fit(self):
        losses = []
        for step in range(1, self.total_steps + 1):
            x, y = self.next_batch()
            loss = nn.functional.mse_loss(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            losses.append(loss.item())
            if step % self.log_every == 0:
                print(f"step {step}: mse {np.mean(losses[-self.log_every:]):.4f}")
        return losses


torch.manual_seed(0)
net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
trainer = Trainer(net, DataLoader(SineRegression(), batch_size=16, shuffle=True))
history = trainer.fit()
assert len(history) == 40 and all(np.isfinite(history))
print(f"RESULT steps={len(history)} final_mse={history[-1]:.4f}")
