"""Custom method called on a DataParallel-wrapped model."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class TextEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(50, 16)
        self.cls = nn.Linear(16, 2)

    def encode(self, ids):
        return self.emb(ids)

    def forward(self, ids):
        return self.cls(self.encode(ids))


model = nn.DataParallel(TextEncoder())
ids = torch.randint(0, 50, (8, 6))
with torch.no_grad():
    vectors = model.module.encode(ids)
    logits = model(ids)
assert vectors.shape == (8, 16)
assert logits.shape == (8, 2)
print(f"RESULT norm={vectors.norm().item():.4f}")
