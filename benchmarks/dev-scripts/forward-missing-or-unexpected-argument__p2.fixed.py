# Training loop ported from a Hugging Face script to a home-made encoder.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class ReviewDataset(Dataset):
    def __init__(self, n=48, max_len=10, vocab=30):
        self.ids = torch.randint(1, vocab, (n, max_len))
        lengths = torch.randint(4, max_len + 1, (n,))
        self.mask = (torch.arange(max_len)[None, :] < lengths[:, None]).long()
        self.ids = self.ids * self.mask
        self.labels = (self.ids[:, 0] > vocab // 2).long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i], "labels": self.labels[i]}


class SentimentEncoder(nn.Module):
    def __init__(self, vocab=30, d=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.ff = nn.Sequential(nn.Linear(d, d), nn.GELU())
        self.cls = nn.Linear(d, 2)

    def forward(self, input_ids, attention_mask):
        h = self.ff(self.emb(input_ids))
        m = attention_mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
        return self.cls(pooled)


model = SentimentEncoder()
loader = DataLoader(ReviewDataset(), batch_size=8, shuffle=True)
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
model.train()
for epoch in range(2):
    for batch in loader:
        labels = batch.pop("labels")  # the plain module only takes ids and mask
        outputs = model(**batch)
        loss = nn.functional.cross_entropy(outputs, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    print(f"epoch {epoch} loss {loss.item():.4f}")
assert outputs.shape == (labels.shape[0], 2)
print(f"RESULT loss {loss.item():.4f}")
