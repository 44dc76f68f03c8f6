import torch
from torch import nn

torch.manual_seed(5)
# check gradient norms of the hidden activations in a small MLP
layers = nn.ModuleList([nn.Linear(10, 10) for _ in range(3)])
x = torch.randn(32, 10)
y = torch.randn(32, 10)

acts = []
h = x
for layer in layers:
    h = torch.tanh(layer(h))
    acts.append(h)

loss = nn.functional.mse_loss(h, y)
loss.backward()

norms = []
for a in acts:
    g = a.grad
    norms.append(0.0 if g is None else g.norm().item())

assert len(norms) == 3
assert all(n > 0 for n in norms), norms
assert torch.isfinite(loss)
print(f"RESULT first_layer_grad_norm={norms[0]:.5f}")
