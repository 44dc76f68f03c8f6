import torch
import torch.nn as nn


def make_mlp(sizes, dropout=0.1):
    layers = []
    for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(d_in, d_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(layers)


class Autoencoder(nn.Module):
    def __init__(self, d=32, bottleneck=4):
        super().__init__()
        self.encoder = make_mlp([d, 16, 8, bottleneck])
        self.decoder = make_mlp([bottleneck, 8, 16, d])

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


torch.manual_seed(0)
data = torch.randn(256, 32)
model = Autoencoder()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(5):
    for batch in data.split(64):
        recon, z = model(batch)
        loss = nn.functional.mse_loss(recon, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} recon {loss.item():.4f}")
