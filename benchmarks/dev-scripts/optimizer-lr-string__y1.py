"""Train a logistic-regression baseline with hyperparameters from an INI config."""
import configparser
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG_TEXT = """
[data]
n_samples = 512
n_features = 10
seed = 0

[train]
epochs = 5
batch_size = 64
lr = 1e-2
weight_decay = 0.0
"""


def load_config(text):
    cfg = configparser.ConfigParser()
    cfg.read_string(text)
    return {
        "n_samples": cfg.getint("data", "n_samples"),
        "n_features": cfg.getint("data", "n_features"),
        "seed": cfg.getint("data", "seed"),
        "epochs": cfg.getint("train", "epochs"),
        "batch_size": cfg.getint("train", "batch_size"),
        "lr": cfg.get("train", "lr"),
        "weight_decay": cfg.getfloat("train", "weight_decay"),
    }


def make_data(n, d, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    true_w = torch.randn(d, generator=g)
    y = (x @ true_w > 0).float()
    return TensorDataset(x, y)


def main():
    cfg = load_config(CONFIG_TEXT)
    torch.manual_seed(cfg["seed"])
    ds = make_data(cfg["n_samples"], cfg["n_features"], cfg["seed"])
    loader = DataLoader(ds, batch_size=cfg["batch_size"], shuffle=True)
    model = nn.Linear(cfg["n_features"], 1)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(cfg["epochs"]):
        total = 0.0
        for x, y in loader:
            loss = loss_fn(model(x).squeeze(1), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
        print(f"epoch {epoch} loss {total / len(ds):.4f}")
    x, y = ds.tensors
    with torch.no_grad():
        acc = ((model(x).squeeze(1) > 0).float() == y).float().mean().item()
    print(f"accuracy {acc:.3f}")
    return cfg, acc


if __name__ == "__main__":
    main()
