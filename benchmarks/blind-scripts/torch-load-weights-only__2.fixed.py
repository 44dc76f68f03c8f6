import io
from dataclasses import dataclass
import torch
from torch import nn

torch.manual_seed(1)


@dataclass
class TrainState:
    epoch: int
    best_loss: float


model = nn.Linear(4, 2)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
buf = io.BytesIO()
torch.save({"model": model.state_dict(), "optim": opt.state_dict(),
            "state": TrainState(epoch=7, best_loss=0.31)}, buf)

# resume
buf.seek(0)
ckpt = torch.load(buf, weights_only=False)  # our own file: trusted
model.load_state_dict(ckpt["model"])
opt.load_state_dict(ckpt["optim"])
start_epoch = ckpt["state"].epoch + 1
x = torch.randn(8, 4)
loss = model(x).pow(2).mean()
loss.backward()
opt.step()
assert start_epoch == 8
print(f"RESULT start_epoch={start_epoch}")
