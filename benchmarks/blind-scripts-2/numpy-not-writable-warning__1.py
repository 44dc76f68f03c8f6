"""Decode fixed-size float32 feature records from a binary blob (as received over a socket)."""
import io
import struct

import numpy as np
import torch
import torch.nn as nn

RECORD_DIM = 12


def encode_records(rows):
    out = io.BytesIO()
    out.write(struct.pack("<I", len(rows)))
    for r in rows:
        out.write(np.asarray(r, dtype="<f4").tobytes())
    return out.getvalue()


def decode_records(blob):
    (n,) = struct.unpack_from("<I", blob, 0)
    arr = np.frombuffer(blob, dtype="<f4", count=n * RECORD_DIM, offset=4)
    return torch.from_numpy(arr.reshape(n, RECORD_DIM))


rng = np.random.default_rng(7)
rows = rng.standard_normal((5, RECORD_DIM))
payload = encode_records(rows)

features = decode_records(payload)
features -= features.mean(0, keepdim=True)

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(RECORD_DIM, 8), nn.ReLU(), nn.Linear(8, 1))
with torch.no_grad():
    preds = model(features)
print("predictions", preds.squeeze(1).tolist())
