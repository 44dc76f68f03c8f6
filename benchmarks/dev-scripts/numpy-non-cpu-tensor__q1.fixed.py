"""Export trained MLP weights to a .npz file for a numpy-only inference service."""
import io
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)


class MLP(nn.Module):
    def __init__(self, d_in=12, d_hidden=32, d_out=3):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_out)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def train_and_save():
    model = MLP()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(64, 12), torch.randint(0, 3, (64,))
    for _ in range(10):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    return buf, model


def export(ckpt, out_path):
    # build the skeleton on the meta device so we don't allocate twice
    with torch.device("meta"):
        model = MLP()
    # assign=True replaces the meta tensors with the real CPU tensors from the checkpoint
    model.load_state_dict(torch.load(ckpt, map_location="cpu"), assign=True)
    arrays = {name: p.detach().numpy() for name, p in model.named_parameters()}
    np.savez(out_path, **arrays)
    return arrays


if __name__ == "__main__":
    ckpt, ref = train_and_save()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mlp_weights.npz")
        arrays = export(ckpt, path)
        loaded = np.load(path)
        print({k: loaded[k].shape for k in loaded.files})
        for name, p in ref.named_parameters():
            assert np.allclose(loaded[name], p.detach().numpy()), name
        print(f"RESULT exported={len(loaded.files)} fc2.weight={loaded['fc2.weight'].shape}")
