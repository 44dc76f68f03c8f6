"""Train a small intent classifier on bag-of-features vectors, then run single-example inference."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["greet", "bye", "order", "cancel", "help"]


class IntentModel(nn.Module):
    def __init__(self, n_feats, n_labels, hidden=32, dropout=0.1):
        super().__init__()
        self.fc1 = nn.Linear(n_feats, hidden)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, n_labels)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.fc1(x))))


def synth(n, n_feats, seed):
    rng = np.random.default_rng(seed)
    protos = rng.standard_normal((len(LABELS), n_feats)).astype(np.float32) * 2
    y = rng.integers(0, len(LABELS), n)
    x = protos[y] + rng.standard_normal((n, n_feats)).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(y).long()


def predict_one(model, feats):
    model.eval()
    with torch.no_grad():
        logits = model(feats)
        probs = F.softmax(logits, dim=1)
        conf, idx = probs.max(dim=1)
    return LABELS[idx.item()], conf.item()


def main():
    torch.manual_seed(0)
    n_feats = 20
    x, y = synth(300, n_feats, seed=0)
    model = IntentModel(n_feats, len(LABELS))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(60):
        model.train()
        idx = torch.randint(0, len(x), (32,))
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()

    test_x, test_y = synth(20, n_feats, seed=0)
    hits = 0
    for i in range(len(test_x)):
        label, conf = predict_one(model, test_x[i])
        assert 0.0 <= conf <= 1.0
        hits += int(label == LABELS[test_y[i]])
    assert hits >= 15, hits
    print(f"RESULT hits={hits}/{len(test_x)} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
