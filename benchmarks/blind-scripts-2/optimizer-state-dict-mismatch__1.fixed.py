import io

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULTS = {"freeze_encoder": True, "lr": 1e-3, "steps": 5}


class TextClassifier(nn.Module):
    def __init__(self, vocab=100, dim=32, classes=4):
        super().__init__()
        self.encoder = nn.Sequential(nn.Embedding(vocab, dim), nn.LayerNorm(dim))
        self.head = nn.Linear(dim, classes)

    def forward(self, ids):
        return self.head(self.encoder(ids).mean(1))


def build(config):
    model = TextClassifier()
    if config["freeze_encoder"]:
        for p in model.encoder.parameters():
            p.requires_grad = False
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=config["lr"])
    return model, optimizer


def train_steps(model, optimizer, ids, y, steps):
    for _ in range(steps):
        loss = F.cross_entropy(model(ids), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


torch.manual_seed(0)
ids, y = torch.randint(0, 100, (32, 12)), torch.randint(0, 4, (32,))

run_config = dict(DEFAULTS, freeze_encoder=False)
model, optimizer = build(run_config)
loss = train_steps(model, optimizer, ids, y, run_config["steps"])
buf = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": run_config}, buf)
buf.seek(0)

# ---- resume ----
ckpt = torch.load(buf, weights_only=True)
model, optimizer = build(ckpt["config"])
model.load_state_dict(ckpt["model"])
optimizer.load_state_dict(ckpt["optimizer"])
loss = train_steps(model, optimizer, ids, y, 5)
print(f"resumed, loss {loss:.4f}")
assert all(p.requires_grad for p in model.parameters())
assert len(optimizer.state) == len(list(model.parameters()))
print(f"RESULT resumed full fine-tuning, loss {loss:.4f}")
