"""Resuming from a full training checkpoint by passing the whole dict to load_state_dict."""
import io
import torch
from torch import nn

torch.manual_seed(1)
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
buf = io.BytesIO()
torch.save({"epoch": 4, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict()}, buf)

buf.seek(0)
ckpt = torch.load(buf)
restored = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
restored.load_state_dict(ckpt)
restored_opt = torch.optim.Adam(restored.parameters(), lr=1e-2)
restored_opt.load_state_dict(ckpt["optimizer_state_dict"])

x = torch.randn(5, 3)
assert torch.equal(restored(x), model(x))
start = ckpt["epoch"] + 1
assert start == 5
# training would continue from `start` here
print(f"RESULT start_epoch={start}")
