"""Inference script: score one incoming loan application with a saved classifier."""
import io
import torch
import torch.nn as nn

torch.set_num_threads(1)  # small CPU job: one intra-op thread is faster here

torch.manual_seed(0)
FEATURES = ["income", "debt_ratio", "age", "open_lines", "late_payments", "tenure"]
CLASSES = ["approve", "review", "decline"]


class RiskModel(nn.Module):
    def __init__(self, n_in=len(FEATURES), n_out=len(CLASSES)):
        super().__init__()
        self.norm = nn.LayerNorm(n_in)
        self.mlp = nn.Sequential(nn.Linear(n_in, 32), nn.ReLU(), nn.Linear(32, n_out))

    def forward(self, x):
        return self.mlp(self.norm(x))


def fit_and_serialize():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(300, len(FEATURES), generator=g)
    score = x[:, 1] + x[:, 4] - x[:, 0]
    y = torch.bucketize(score, torch.tensor([-0.7, 0.7]))
    model = RiskModel()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    return buf


def application_to_tensor(app):
    return torch.tensor([app[name] for name in FEATURES], dtype=torch.float32)


def score(model, app):
    x = application_to_tensor(app)
    with torch.no_grad():
        probs = model(x).softmax(dim=1)
    best = probs.argmax(dim=1)
    return CLASSES[best[0].item()], probs[0]


model = RiskModel()
model.load_state_dict(torch.load(fit_and_serialize(), weights_only=True))
model.eval()

applications = [
    {"income": 2.0, "debt_ratio": -1.0, "age": 0.3, "open_lines": 0.1, "late_payments": -1.0, "tenure": 0.5},
    {"income": -1.5, "debt_ratio": 1.2, "age": -0.2, "open_lines": 0.4, "late_payments": 1.1, "tenure": -0.3},
]
decisions = []
for app in applications:
    decision, probs = score(model, app)
    decisions.append(decision)
    print(decision, [round(p, 3) for p in probs.tolist()])
    assert probs.shape == (len(CLASSES),) and abs(probs.sum().item() - 1) < 1e-5

assert decisions == ["approve", "decline"], decisions
print(f"RESULT decisions={'/'.join(decisions)} n={len(decisions)}")
