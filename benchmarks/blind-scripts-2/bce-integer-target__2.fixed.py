# %% multi-label tagging: each sample can carry several of 5 tags
import torch
import torch.nn as nn

torch.manual_seed(0)
NUM_TAGS = 5

# %% data
features = torch.randn(120, 12)
projection = torch.randn(12, NUM_TAGS)
tags = (features @ projection > 0.5).long()          # [120, 5] of 0/1
train_x, val_x = features[:96], features[96:]
train_y, val_y = tags[:96], tags[96:]

# %% model
class Tagger(nn.Module):
    def __init__(self, in_dim, n_tags):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(in_dim, 32), nn.GELU(), nn.Dropout(0.1))
        self.head = nn.Linear(32, n_tags)

    def forward(self, x):
        return torch.sigmoid(self.head(self.body(x)))

model = Tagger(12, NUM_TAGS)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.BCELoss()

# %% train
def run_epoch(x, y, train=True):
    model.train(train)
    with torch.set_grad_enabled(train):
        probs = model(x)
        loss = loss_fn(probs, y.float())
        if train:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item(), probs.detach()

for epoch in range(5):
    tr_loss, _ = run_epoch(train_x, train_y)
    va_loss, va_probs = run_epoch(val_x, val_y, train=False)
    print(f"epoch {epoch}: train {tr_loss:.4f} val {va_loss:.4f}")

# %% per-tag F1 on validation
pred = (va_probs > 0.5).long()
tp = (pred & val_y).sum(0).float()
f1 = 2 * tp / (pred.sum(0) + val_y.sum(0)).clamp(min=1)
print("per-tag F1:", [round(v, 3) for v in f1.tolist()])
assert val_y.dtype == torch.long and f1.shape == (NUM_TAGS,) and torch.isfinite(torch.tensor(va_loss))
print(f"RESULT val_loss={va_loss:.4f} mean_f1={f1.mean().item():.3f}")
