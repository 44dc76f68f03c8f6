"""Question/answer pair classifier over an in-memory JSON-lines corpus."""
import json

import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

JSONL = "\n".join(json.dumps(r) for r in [
    {"q": "what is two plus two", "a": "four", "ok": 1},
    {"q": "what colour is the sky", "a": "green", "ok": 0},
    {"q": "capital of france", "a": "paris", "ok": 1},
    {"q": "how many legs has a cat", "a": "seven", "ok": 0},
    {"q": "boiling point of water", "a": "one hundred", "ok": 1},
    {"q": "largest planet", "a": "the moon", "ok": 0},
])


def hash_tokens(text, buckets=64):
    vec = torch.zeros(buckets)
    for tok in text.split():
        vec[sum(map(ord, tok)) % buckets] += 1.0
    return vec


class QAPairs(Dataset):
    def __init__(self, text, buckets=64):
        self.rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        self.buckets = buckets

    def __len__(self):
        return len(self.rows)

        def __getitem__(self, idx):
            row = self.rows[idx]
            feats = torch.cat([hash_tokens(row["q"], self.buckets), hash_tokens(row["a"], self.buckets)])
            return feats, torch.tensor(row["ok"], dtype=torch.float32)


def train(dataset, epochs=5):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2 * dataset.buckets, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(dataset, batch_size=3, shuffle=True)
    for epoch in range(epochs):
        for feats, ok in loader:
            loss = nn.functional.binary_cross_entropy_with_logits(model(feats).squeeze(1), ok)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model, loss.item()


model, final_loss = train(QAPairs(JSONL))
print(f"final loss {final_loss:.4f}")
