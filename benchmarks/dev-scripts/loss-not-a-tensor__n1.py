# %% [markdown]
# Multi-task model: predict churn (binary) and monthly spend (regression) from customer features.

# %%
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
np.random.seed(0)

# %%
n_customers, n_feat = 400, 10
X = torch.randn(n_customers, n_feat)
w_churn = torch.randn(n_feat)
w_spend = torch.randn(n_feat)
churn = (X @ w_churn > 0).float()
spend = X @ w_spend * 3.0 + 50.0
spend = (spend - spend.mean()) / spend.std()

# %%
class ChurnSpendNet(nn.Module):
    def __init__(self, n_in, hidden=32):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.churn_head = nn.Linear(hidden, 1)
        self.spend_head = nn.Linear(hidden, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.churn_head(h).squeeze(-1), self.spend_head(h).squeeze(-1)


class MultiTaskLoss(nn.Module):
    """Weighted sum of both task losses; also returns the parts for logging."""

    def __init__(self, spend_weight=0.5):
        super().__init__()
        self.spend_weight = spend_weight

    def forward(self, outputs, churn_t, spend_t):
        churn_logit, spend_pred = outputs
        l_churn = F.binary_cross_entropy_with_logits(churn_logit, churn_t)
        l_spend = F.mse_loss(spend_pred, spend_t)
        total = l_churn + self.spend_weight * l_spend
        return total, {"churn": l_churn.item(), "spend": l_spend.item()}

# %%
model = ChurnSpendNet(n_feat)
criterion = MultiTaskLoss(spend_weight=0.5)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

# %%
log = []
for step in range(60):
    idx = torch.randint(0, n_customers, (64,))
    outputs = model(X[idx])
    loss = criterion(outputs, churn[idx], spend[idx])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    log.append(loss.item())
    if step % 20 == 0:
        print(f"step {step}: total={log[-1]:.4f}")

# %%
with torch.no_grad():
    churn_logit, spend_pred = model(X)
    acc = ((churn_logit > 0).float() == churn).float().mean().item()
assert np.isfinite(log[-1])
assert log[-1] < log[0]
assert acc > 0.8, acc
print(f"RESULT loss_first={log[0]:.4f} loss_last={log[-1]:.4f} churn_acc={acc:.3f}")
