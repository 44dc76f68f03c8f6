"""Debugging vanishing gradients: log the gradient norm reaching each hidden activation."""
import torch
import torch.nn as nn

torch.manual_seed(4)


class DeepMLP(nn.Module):
    def __init__(self, width=32, depth=6):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.out = nn.Linear(width, 1)
        self.acts = {}

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = torch.sigmoid(layer(x))
            x.retain_grad()               # non-leaf: ask autograd to keep its .grad
            self.acts[f"h{i}"] = x        # keep for gradient inspection
        return self.out(x)


def grad_report(acts):
    report = {}
    for name, t in acts.items():
        g = t.grad
        report[name] = float("nan") if g is None else g.norm().item()
    return report


model = DeepMLP()
x = torch.randn(16, 32)
y = torch.randn(16, 1)
loss = nn.functional.mse_loss(model(x), y)
loss.backward()

for name, norm in grad_report(model.acts).items():
    print(f"{name}: grad norm {norm:.3e}")

report = grad_report(model.acts)
assert len(report) == 6 and all(v == v and v > 0 for v in report.values())
print("RESULT " + " ".join(f"{k}={v:.2e}" for k, v in report.items()))
