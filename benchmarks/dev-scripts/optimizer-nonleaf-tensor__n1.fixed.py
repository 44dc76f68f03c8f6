"""Hand-rolled logistic regression with manually created parameters (no nn.Module)."""
import numpy as np
import torch

torch.manual_seed(0)
np.random.seed(0)

device = torch.device("cpu")
N, D = 200, 6

# synthetic, linearly separable-ish data
true_w = torch.tensor([1.5, -2.0, 0.5, 0.0, 1.0, -0.7])
X = torch.randn(N, D)
y = (X @ true_w + 0.3 > 0).float()
X_tr, y_tr = X[:160].to(device), y[:160].to(device)
X_va, y_va = X[160:].to(device), y[160:].to(device)

# parameters
w = (torch.randn(D, device=device) * 0.01).requires_grad_()
b = torch.zeros(1, device=device, requires_grad=True)

optimizer = torch.optim.SGD([w, b], lr=0.5, momentum=0.9)


def predict_logits(inputs):
    return inputs @ w + b


def accuracy(inputs, targets):
    with torch.no_grad():
        return ((predict_logits(inputs) > 0).float() == targets).float().mean().item()


history = []
for epoch in range(50):
    perm = torch.randperm(len(X_tr))
    for i in range(0, len(X_tr), 40):
        idx = perm[i:i + 40]
        logits = predict_logits(X_tr[idx])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y_tr[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    history.append(loss.item())

val_acc = accuracy(X_va, y_va)
cos = torch.nn.functional.cosine_similarity(w.detach(), true_w, dim=0).item()
print(f"learned w: {[round(v, 2) for v in w.detach().tolist()]}, b={b.item():.2f}")
assert w.is_leaf and w.grad is not None
assert history[-1] < history[0]
assert val_acc > 0.85 and cos > 0.8, (val_acc, cos)
print(f"RESULT val_acc={val_acc:.3f} cos_to_true={cos:.3f} final_loss={history[-1]:.4f}")
