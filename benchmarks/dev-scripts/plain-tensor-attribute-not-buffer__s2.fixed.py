# Tabular pipeline: numpy features (float64) -> fixed PCA projection -> small regressor.
import numpy as np
import torch
import torch.nn as nn


def fit_pca(X, k):
    Xc = X - X.mean(0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    return X.mean(0), vt[:k].T


class PCARegressor(nn.Module):
    def __init__(self, mean, components, hidden=32):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("components", torch.tensor(components, dtype=torch.float32))
        k = components.shape[1]
        self.net = nn.Sequential(nn.Linear(k, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        z = (x - self.mean) @ self.components
        return self.net(z).squeeze(-1)


def main():
    rng = np.random.default_rng(42)
    latent = rng.normal(size=(300, 3))
    X = latent @ rng.normal(size=(3, 12)) + 0.01 * rng.normal(size=(300, 12))
    y = latent[:, 0] - 2 * latent[:, 1]
    mean, comps = fit_pca(X, k=3)

    torch.manual_seed(0)
    model = PCARegressor(mean, comps).double()   # data is float64, keep everything in double
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(150):
        loss = nn.functional.mse_loss(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"train mse {loss.item():.4f}")
    assert model.components.dtype == torch.float64 and model(Xt).shape == (300,)
    assert {"mean", "components"} <= set(model.state_dict())
    assert loss.item() < 0.1
    print(f"RESULT mse={loss.item():.4f}")


if __name__ == "__main__":
    main()
