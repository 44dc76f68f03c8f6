import io
import torch
from torch import nn

torch.manual_seed(3)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 4, 3)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.conv(x).mean(-1))


def save_ckpt(model, buf):
    # written by a multi-GPU training job
    torch.save({"model": nn.DataParallel(model).state_dict(), "epoch": 9}, buf)


def load_ckpt(buf):
    buf.seek(0)
    ckpt = torch.load(buf)
    fresh = Encoder()
    fresh.load_state_dict(ckpt["model"])
    return fresh, ckpt["epoch"]


src = Encoder()
buf = io.BytesIO()
save_ckpt(src, buf)
restored, epoch = load_ckpt(buf)
x = torch.randn(5, 2, 10)
assert torch.equal(restored(x), src(x))
print(f"RESULT epoch={epoch}")
