"""Resume training from an in-memory checkpoint (model + optimizer + epoch)."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, n_in=8, hidden=32, n_out=3):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        return self.head(self.backbone(x))


X = torch.randn(256, 8)
y = (X[:, 0] > 0).long() + (X[:, 1] > 0.5).long()


def run_epochs(model, opt, epochs):
    losses = []
    for _ in range(epochs):
        for i in range(0, len(X), 64):
            loss = F.cross_entropy(model(X[i:i + 64]), y[i:i + 64])
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(loss.item())
    return losses


# ---------------- first run ----------------
model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
first_losses = run_epochs(model, opt, 5)
buf = io.BytesIO()
torch.save({"epoch": 5, "model": model.state_dict(), "optim": opt.state_dict()}, buf)

# ---------------- resume run ----------------
buf.seek(0)
ckpt = torch.load(buf, weights_only=True)
resumed = Classifier()
resumed.load_state_dict(ckpt["model"])
# stabilise the first resumed epochs: keep the backbone fixed, train only the head
for p in resumed.backbone.parameters():
    p.requires_grad_(False)
resumed_opt = torch.optim.Adam([p for p in resumed.parameters() if p.requires_grad], lr=1e-2)
resumed_opt.load_state_dict(ckpt["optim"])
start_epoch = ckpt["epoch"]

step_before = resumed_opt.state_dict()["state"][0]["step"].item()
backbone_before = resumed.backbone[0].weight.clone()
more_losses = run_epochs(resumed, resumed_opt, 3)

assert torch.equal(backbone_before, resumed.backbone[0].weight)
assert step_before == 5 * 4
assert torch.isfinite(resumed.head.weight).all()
assert more_losses[-1] <= first_losses[0]
print(f"RESULT start_epoch={start_epoch} adam_steps={int(step_before)} "
      f"loss_first={first_losses[0]:.4f} loss_resumed={more_losses[-1]:.4f}")
