import copy
import io
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_CONFIG = {"in_dim": 16, "width": 32, "depth": 2, "head": "linear", "n_out": 4}


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class ResidualMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.stem = nn.Linear(cfg["in_dim"], cfg["width"])
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(cfg["width"]), nn.Linear(cfg["width"], cfg["width"]), nn.GELU())
            for _ in range(cfg["depth"])
        )
        if cfg["head"] == "mlp":
            self.head = nn.Sequential(
                nn.Linear(cfg["width"], cfg["width"]), nn.GELU(), nn.Linear(cfg["width"], cfg["n_out"])
            )
        else:
            self.head = nn.Linear(cfg["width"], cfg["n_out"])

    def forward(self, x):
        h = self.stem(x)
        for blk in self.blocks:
            h = h + blk(h)
        return self.head(h)


def train_and_save(cfg, steps=30):
    model = ResidualMLP(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(128, cfg["in_dim"])
    y = torch.randint(0, cfg["n_out"], (128,))
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    buf = io.BytesIO()
    torch.save({"config": cfg, "state_dict": model.state_dict(), "final_loss": loss.item()}, buf)
    buf.seek(0)
    return buf, model


def load_for_eval(buf):
    ckpt = torch.load(buf, map_location="cpu")
    model = ResidualMLP(ckpt["config"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt


def main():
    seed_all(0)
    train_cfg = copy.deepcopy(DEFAULT_CONFIG)
    train_cfg.update(depth=3, head="mlp")
    buf, trained = train_and_save(train_cfg)

    model, ckpt = load_for_eval(buf)
    x = torch.randn(10, DEFAULT_CONFIG["in_dim"])
    with torch.no_grad():
        out = model(x)
        ref = trained.eval()(x)
    assert out.shape == (10, DEFAULT_CONFIG["n_out"])
    assert torch.allclose(out, ref), "loaded weights differ from trained ones"
    print(f"RESULT blocks={len(model.blocks)} train_loss={ckpt['final_loss']:.4f} max_diff={(out - ref).abs().max().item():.2e}")


if __name__ == "__main__":
    main()
