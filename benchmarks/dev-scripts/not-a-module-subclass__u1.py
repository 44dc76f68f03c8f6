import json
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

MODEL_SPEC = json.loads("""
{
  "input_dim": 12,
  "hidden": [64, 32, 16],
  "activation": "gelu",
  "dropout": 0.1,
  "output_dim": 1
}
""")

ACTIVATIONS = {
    "relu": F.relu,
    "gelu": F.gelu,
    "tanh": torch.tanh,
}


def build_mlp(spec):
    layers = []
    prev = spec["input_dim"]
    for width in spec["hidden"]:
        layers.append(nn.Linear(prev, width))
        layers.append(ACTIVATIONS[spec["activation"]])
        layers.append(nn.Dropout(spec["dropout"]))
        prev = width
    layers.append(nn.Linear(prev, spec["output_dim"]))
    return nn.Sequential(*layers)


def make_regression(n=512, d=12):
    x = torch.randn(n, d)
    w = torch.randn(d, 1) / d ** 0.5
    y = torch.tanh(x @ w) + 0.05 * torch.randn(n, 1)
    return x, y


def main():
    x, y = make_regression(d=MODEL_SPEC["input_dim"])
    x_tr, y_tr, x_va, y_va = x[:400], y[:400], x[400:], y[400:]
    model = build_mlp(MODEL_SPEC)
    print(model)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    for epoch in range(15):
        model.train()
        perm = torch.randperm(400)
        for i in range(0, 400, 50):
            idx = perm[i:i + 50]
            loss = F.mse_loss(model(x_tr[idx]), y_tr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        val = F.mse_loss(model(x_va), y_va).item()
    n_linear = sum(isinstance(m, nn.Linear) for m in model)
    assert n_linear == len(MODEL_SPEC["hidden"]) + 1
    assert val < 0.2, val
    print(f"RESULT val_mse={val:.4f} layers={len(model)}")


if __name__ == "__main__":
    main()
