"""Port a dense network exported from another framework (weights as NumPy arrays, kernel shape [in, out])."""
import io

import numpy as np
import torch
import torch.nn as nn


def export_reference(rng):
    # stand-in for the arrays saved by the original training code
    return {
        "dense_1/kernel": rng.standard_normal((10, 24)).astype(np.float32),
        "dense_1/bias": rng.standard_normal(24).astype(np.float32),
        "dense_2/kernel": rng.standard_normal((24, 3)).astype(np.float32),
        "dense_2/bias": rng.standard_normal(3).astype(np.float32),
    }


class PortedNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense_1 = nn.Linear(10, 24)
        self.dense_2 = nn.Linear(24, 3)

    def forward(self, x):
        return self.dense_2(torch.relu(self.dense_1(x)))


def load_exported(model, arrays):
    for name in ("dense_1", "dense_2"):
        layer = getattr(model, name)
        layer.weight = torch.from_numpy(arrays[f"{name}/kernel"].T.copy())
        layer.bias = torch.from_numpy(arrays[f"{name}/bias"])
    return model


rng = np.random.default_rng(0)
buf = io.BytesIO()
np.savez(buf, **{k.replace("/", "__"): v for k, v in export_reference(rng).items()})
buf.seek(0)
arrays = {k.replace("__", "/"): v for k, v in np.load(buf).items()}

model = load_exported(PortedNet(), arrays)
x = np.ones((2, 10), dtype=np.float32)
with torch.no_grad():
    out = model(torch.from_numpy(x))
print("ported outputs", out.numpy().round(3))
