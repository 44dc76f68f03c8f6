"""Serve predictions from a tabular MLP, one request at a time."""
import json
import torch
import torch.nn as nn

torch.manual_seed(0)
LABELS = ["low", "medium", "high"]


class RiskMLP(nn.Module):
    def __init__(self, n_features=7):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU(), nn.Linear(32, len(LABELS)))

    def forward(self, x):
        return self.net(x)


def fit(model, X, y, epochs=30):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(model(X), y)
        opt.zero_grad(); loss.backward(); opt.step()
    return loss.item()


def predict_one(model, request_json):
    feats = torch.tensor(json.loads(request_json)["features"], dtype=torch.float32)
    with torch.no_grad():
        logits = model(feats)
        probs = torch.softmax(logits, dim=-1)  # single sample: class dim is the last
    idx = int(probs.argmax())
    return {"label": LABELS[idx], "confidence": round(float(probs[idx]), 4)}


X = torch.randn(200, 7)
y = (X[:, 0] + X[:, 1] > 0).long() + (X[:, 2] > 1).long()
model = RiskMLP()
print("train loss", round(fit(model, X, y), 4))
model.eval()

requests = [json.dumps({"features": X[i].tolist()}) for i in range(3)]
answers = [predict_one(model, r) for r in requests]
with torch.no_grad():
    batch_pred = model(X[:3]).argmax(1).tolist()
assert [LABELS.index(a["label"]) for a in answers] == batch_pred
assert all(0 < a["confidence"] <= 1 for a in answers)
print("RESULT", answers)
