"""Train a small sequence classifier, checkpoint it, then reload it in an evaluation step."""
import io

import torch
import torch.nn as nn

torch.manual_seed(0)

DEFAULT_CONFIG = {"dim": 32, "depth": 3, "pool": "mean", "num_classes": 4}


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim))

    def forward(self, x):
        return x + self.ff(self.norm(x))


class AttnPool(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, x):
        w = self.score(x).softmax(dim=1)
        return (w * x).sum(1)


class SeqClassifier(nn.Module):
    def __init__(self, dim, depth, pool, num_classes):
        super().__init__()
        self.inp = nn.Linear(8, dim)
        self.blocks = nn.ModuleList(Block(dim) for _ in range(depth))
        self.attn_pool = AttnPool(dim) if pool == "attn" else None
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        h = self.inp(x)
        for blk in self.blocks:
            h = blk(h)
        h = self.attn_pool(h) if self.attn_pool is not None else h.mean(1)
        return self.head(h)


def train_and_save(config):
    model = SeqClassifier(**config)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(16, 10, 8), torch.randint(0, config["num_classes"], (16,))
    for _ in range(5):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    buf = io.BytesIO()
    torch.save({"config": config, "model": model.state_dict()}, buf)
    buf.seek(0)
    return buf, model


def load_for_eval(buf):
    ckpt = torch.load(buf, map_location="cpu")
    model = SeqClassifier(**ckpt["config"])
    model.load_state_dict(ckpt["model"])
    return model.eval()


experiment_config = dict(DEFAULT_CONFIG, depth=2, pool="attn")
buf, trained = train_and_save(experiment_config)
model = load_for_eval(buf)
x_test = torch.randn(4, 10, 8)
with torch.no_grad():
    print("predictions:", model(x_test).argmax(1).tolist())
with torch.no_grad():
    assert torch.equal(model(x_test), trained.eval()(x_test))
assert len(model.blocks) == 2 and model.attn_pool is not None
print(f"RESULT weights_loaded depth={len(model.blocks)}")
