"""Fast model loading: build the network on the meta device, then load a checkpoint and export predictions."""
import io

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)


class CreditScorer(nn.Module):
    def __init__(self, n_features=14, hidden=(128, 64)):
        super().__init__()
        dims = (n_features,) + hidden
        blocks = []
        for a, b in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(a, b), nn.LayerNorm(b), nn.SiLU()]
        self.body = nn.Sequential(*blocks)
        self.score = nn.Linear(dims[-1], 1)

    def forward(self, x):
        return torch.sigmoid(self.score(self.body(x))).squeeze(-1)


# ---- training side (normally another job): train a bit and checkpoint into memory ----
X = torch.randn(300, 14)
y = (X[:, 0] - 0.5 * X[:, 3] + 0.25 * X[:, 7] > 0).float()
trainer_model = CreditScorer()
opt = torch.optim.Adam(trainer_model.parameters(), lr=5e-3)
for _ in range(100):
    loss = nn.functional.binary_cross_entropy(trainer_model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
ckpt = io.BytesIO()
torch.save({"model": trainer_model.state_dict(), "n_features": 14}, ckpt)

# ---- serving side: avoid random init by constructing on meta ----
ckpt.seek(0)
state = torch.load(ckpt, weights_only=True)
applicants = X[:50]
with torch.device("meta"):
    scorer = CreditScorer(n_features=state["n_features"])
    probs = torch.empty(len(applicants))
scorer.load_state_dict(state["model"], assign=True)
scorer.eval()
with torch.no_grad():
    for start in range(0, len(applicants), 16):
        probs[start:start + 16] = scorer(applicants[start:start + 16])
probs_np = probs.numpy()
decisions = np.where(probs_np > 0.5, "approve", "review")

with torch.no_grad():
    reference = trainer_model(applicants).numpy()
acc = float(((probs_np > 0.5) == y[:50].numpy().astype(bool)).mean())
print("first decisions:", decisions[:6].tolist())

assert probs_np.shape == (50,)
assert np.allclose(probs_np, reference, atol=1e-6)
assert acc > 0.9, acc
print(f"RESULT mean_prob={probs_np.mean():.4f} acc={acc:.3f} approved={(decisions == 'approve').sum()}")
