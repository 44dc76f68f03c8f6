# resumable training: AdamW with a decay / no-decay parameter split, checkpoint in memory
import io
import torch
import torch.nn as nn

torch.manual_seed(123)

DEFAULTS = {"lr": 5e-4, "weight_decay": 0.01, "no_decay": ("bias",)}


class TextCls(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(100, 32)
        self.norm = nn.LayerNorm(32)
        self.fc = nn.Linear(32, 3)

    def forward(self, ids):
        return self.fc(self.norm(self.emb(ids)))


def build_optimizer(model, cfg):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if any(k in name for k in cfg["no_decay"]) else decay).append(p)
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg["weight_decay"]},
         {"params": no_decay, "weight_decay": 0.0}], lr=cfg["lr"])


def run(model, opt, ids, labels, steps=5):
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(ids), labels)
        opt.zero_grad(); loss.backward(); opt.step()
    return loss.item()


ids = torch.randint(0, 100, (16, 8))
labels = torch.randint(0, 3, (16,))

# first run
cfg = dict(DEFAULTS)
model = TextCls()
opt = build_optimizer(model, cfg)
print("run 1 loss", run(model, opt, ids, labels))
buf = io.BytesIO()
torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "cfg": cfg}, buf)

# later: resume, after the no-decay list was extended to LayerNorm weights
cfg = dict(DEFAULTS, no_decay=("bias", "norm.weight"))
buf.seek(0)
state = torch.load(buf)
model = TextCls()
model.load_state_dict(state["model"])
opt = build_optimizer(model, cfg)
opt.load_state_dict(state["opt"])
print("run 2 loss", run(model, opt, ids, labels))
