import io
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Autoencoder(nn.Module):
    def __init__(self, n_in=20, bottleneck=4):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_in, 12), nn.ReLU(), nn.Linear(12, bottleneck))
        self.decoder = nn.Sequential(nn.Linear(bottleneck, 12), nn.ReLU(), nn.Linear(12, n_in))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def make_data(n=256, n_in=20, rank=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    basis = torch.randn(rank, n_in, generator=g)
    coeffs = torch.randn(n, rank, generator=g)
    return coeffs @ basis + 0.01 * torch.randn(n, n_in, generator=g)


def train(model, loader, epochs=40):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        for (xb,) in loader:
            loss = F.mse_loss(model(xb), xb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return loss.item()


def save_encoder(model):
    buf = io.BytesIO()
    torch.save(model.encoder.state_dict(), buf)
    buf.seek(0)
    return buf


def main():
    torch.manual_seed(0)
    data = make_data()
    loader = DataLoader(TensorDataset(data), batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model = Autoencoder()
    final = train(model, loader)
    print(f"reconstruction mse {final:.4f}")

    buf = save_encoder(model)
    fresh = Autoencoder()
    fresh.encoder.load_state_dict(torch.load(buf))
    with torch.no_grad():
        z_a = model.encoder(data[:8])
        z_b = fresh.encoder(data[:8])
    assert torch.allclose(z_a, z_b)
    assert z_a.shape == (8, 4)
    assert final < 0.5, final
    print(f"RESULT mse={final:.4f} codes={tuple(z_a.shape)}")


if __name__ == "__main__":
    main()
