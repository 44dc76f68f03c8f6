import io
import time

import torch
import torch.nn as nn


class MLPMixerBlock(nn.Module):
    def __init__(self, tokens, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.token_mlp = nn.Sequential(nn.Linear(tokens, tokens * 2), nn.GELU(), nn.Linear(tokens * 2, tokens))
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp = nn.Sequential(nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim))

    def forward(self, x):
        x = x + self.token_mlp(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


def make_model():
    return nn.Sequential(*[MLPMixerBlock(tokens=16, dim=64) for _ in range(4)])


torch.manual_seed(0)
reference = make_model()
blob = io.BytesIO()
torch.save(reference.state_dict(), blob)

# skip the random init of the big model: build it without allocating, then load weights
t0 = time.perf_counter()
with torch.device("meta"):
    model = make_model()
device = torch.device("cpu")
model = model.to_empty(device=device)
blob.seek(0)
model.load_state_dict(torch.load(blob, map_location=device, weights_only=True))
print(f"model ready in {time.perf_counter() - t0:.3f}s")

x = torch.randn(2, 16, 64)
with torch.no_grad():
    y = model(x)
print("output", tuple(y.shape))
with torch.no_grad():
    assert torch.allclose(y, reference(x))
assert all(p.device.type == "cpu" for p in model.parameters())
print("RESULT meta-initialised model materialised and matches reference", tuple(y.shape))
