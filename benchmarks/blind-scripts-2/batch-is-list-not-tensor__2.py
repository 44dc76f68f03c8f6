"""Character-level sentiment classifier; tokenizer and dataset written by hand."""
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)

TEXTS = [
    ("great movie, loved it", 1), ("terrible plot and acting", 0),
    ("wonderful cast", 1), ("boring and too long", 0),
    ("a joy to watch", 1), ("waste of time", 0),
    ("brilliant and moving", 1), ("awful dialogue", 0),
]
VOCAB = {ch: i + 2 for i, ch in enumerate(sorted(set("".join(t for t, _ in TEXTS))))}
PAD, UNK = 0, 1
MAX_LEN = 24


def encode(text):
    ids = [VOCAB.get(ch, UNK) for ch in text[:MAX_LEN]]
    return ids + [PAD] * (MAX_LEN - len(ids))


class ReviewDataset(Dataset):
    def __init__(self, pairs):
        self.pairs = pairs

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, idx):
        text, label = self.pairs[idx]
        return {"input_ids": encode(text), "label": label}


class CharBag(nn.Module):
    def __init__(self, vocab_size, dim=16):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        self.out = nn.Linear(dim, 2)

    def forward(self, input_ids):
        mask = (input_ids != PAD).float().unsqueeze(-1)
        pooled = (self.emb(input_ids) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.out(pooled)


def train(model, loader, epochs=3):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(epochs):
        for batch in loader:
            input_ids = batch["input_ids"]
            bsz, seq_len = input_ids.shape
            logits = model(input_ids)
            loss = nn.functional.cross_entropy(logits, batch["label"])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} batch {bsz}x{seq_len} loss {loss.item():.4f}")
    return loss.item()


model = CharBag(len(VOCAB) + 2)
loader = DataLoader(ReviewDataset(TEXTS), batch_size=4, shuffle=True)
train(model, loader)
