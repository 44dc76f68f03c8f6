import numpy as np
import torch
import torch.nn as nn


class WhitenedRegressor(nn.Module):
    """Linear model on PCA-whitened inputs; the whitening is fitted once from the training data."""

    def __init__(self, train_x: torch.Tensor, k: int):
        super().__init__()
        mean = train_x.mean(0)
        cov = torch.cov((train_x - mean).T)
        evals, evecs = torch.linalg.eigh(cov)
        top = evals.argsort(descending=True)[:k]
        self.mean = mean
        self.whiten = evecs[:, top] / evals[top].sqrt()
        self.linear = nn.Linear(k, 1)

    def forward(self, x):
        z = (x - self.mean) @ self.whiten
        return self.linear(z).squeeze(-1)


rng = np.random.default_rng(0)
A = rng.standard_normal((6, 6))
X_np = rng.standard_normal((300, 6)) @ A
y_np = X_np[:, 0] - 0.5 * X_np[:, 3]

torch.manual_seed(0)
model = WhitenedRegressor(torch.from_numpy(X_np).float(), k=4)
opt = torch.optim.LBFGS(model.parameters(), max_iter=50)
X_t, y_t = torch.from_numpy(X_np).float(), torch.from_numpy(y_np).float()


def closure():
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(X_t), y_t)
    loss.backward()
    return loss


opt.step(closure)

# downstream code passes NumPy float64 arrays; run the model in double to match
model = model.double()
X_new = rng.standard_normal((5, 6)) @ A
preds = model(torch.from_numpy(X_new))
print("predictions", preds.detach().numpy().round(3))
