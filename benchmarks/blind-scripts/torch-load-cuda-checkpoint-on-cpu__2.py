import io
import torch
from torch import nn

torch.manual_seed(6)
TRAIN_DEVICE = "cuda"


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30, 8)
        self.fc = nn.Linear(8, 4)

    def forward(self, ids):
        return self.fc(self.emb(ids))


def resume(buffer, model, optimizer):
    buffer.seek(0)
    ckpt = torch.load(buffer, map_location=torch.device(TRAIN_DEVICE))
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["opt"])
    return ckpt["step"]


tagger = Tagger()
opt = torch.optim.Adam(tagger.parameters())
saved = io.BytesIO()
torch.save({"model": tagger.state_dict(), "opt": opt.state_dict(), "step": 120}, saved)
step = resume(saved, Tagger(), opt)
assert step == 120
print(f"RESULT step={step}")
