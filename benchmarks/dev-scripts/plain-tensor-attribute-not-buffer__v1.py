import math
import torch
import torch.nn as nn

torch.manual_seed(0)

SETTINGS = {"n_train": 200, "in_dim": 2, "n_features": 64, "bandwidth": 1.5, "iters": 150,
            "lr": 0.05, "dtype": torch.float64}


class RandomFourierRegressor(nn.Module):
    """Fixed random Fourier feature map followed by a learned linear readout."""

    def __init__(self, in_dim, n_features, bandwidth):
        super().__init__()
        g = torch.Generator().manual_seed(42)
        self.omega = torch.randn(in_dim, n_features, generator=g) / bandwidth
        self.phase = 2 * math.pi * torch.rand(n_features, generator=g)
        self.scale = math.sqrt(2.0 / n_features)
        self.readout = nn.Linear(n_features, 1)

    def features(self, x):
        return self.scale * torch.cos(x @ self.omega + self.phase)

    def forward(self, x):
        return self.readout(self.features(x)).squeeze(-1)


def target_fn(x):
    return torch.sin(2 * x[:, 0]) * torch.cos(x[:, 1]) + 0.1 * x[:, 0]


def main():
    cfg = SETTINGS
    x = (torch.rand(cfg["n_train"], cfg["in_dim"]) * 6 - 3).to(cfg["dtype"])
    y = target_fn(x) + 0.01 * torch.randn(cfg["n_train"], dtype=cfg["dtype"])

    model = RandomFourierRegressor(cfg["in_dim"], cfg["n_features"], cfg["bandwidth"])
    model = model.to(cfg["dtype"])
    opt = torch.optim.LBFGS(model.parameters(), lr=cfg["lr"], max_iter=cfg["iters"],
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.mean((model(x) - y) ** 2)
        loss.backward()
        return loss

    loss = opt.step(closure)
    print(f"final train mse {loss.item():.6f}")

    x_test = (torch.rand(50, cfg["in_dim"]) * 6 - 3).to(cfg["dtype"])
    with torch.no_grad():
        test_mse = torch.mean((model(x_test) - target_fn(x_test)) ** 2).item()
    print(f"test mse {test_mse:.6f}")


if __name__ == "__main__":
    main()
