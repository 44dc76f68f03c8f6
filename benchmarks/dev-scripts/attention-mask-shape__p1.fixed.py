"""Tiny transformer text classifier trained on synthetic padded batches."""
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)
PAD = 0


class ToyText(Dataset):
    def __init__(self, n=64, vocab=50, max_len=12):
        g = torch.Generator().manual_seed(1)
        self.items = []
        for _ in range(n):
            L = int(torch.randint(3, max_len + 1, (1,), generator=g))
            toks = torch.randint(1, vocab, (L,), generator=g)
            self.items.append((toks, int(toks.sum() % 2)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    seqs, labels = zip(*batch)
    padded = nn.utils.rnn.pad_sequence(seqs, padding_value=PAD)  # (T, B)
    return padded, torch.tensor(labels)


class Classifier(nn.Module):
    def __init__(self, vocab=50, d=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        layer = nn.TransformerEncoderLayer(d, nhead=4, dim_feedforward=64, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(d, 2)

    def forward(self, tokens):
        pad_mask = (tokens == PAD).t()  # (B, T) as batch_first expects
        x = self.emb(tokens.t())  # (B, T, d)
        x = self.enc(x, src_key_padding_mask=pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        x = (x * keep).sum(1) / keep.sum(1)
        return self.head(x)


loader = DataLoader(ToyText(), batch_size=8, shuffle=True, collate_fn=collate)
model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    total = 0.0
    for tokens, labels in loader:
        loss = nn.functional.cross_entropy(model(tokens), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"epoch {epoch} loss {total / len(loader):.4f}")
model.eval()
tokens, labels = next(iter(DataLoader(ToyText(), batch_size=8, collate_fn=collate)))
with torch.no_grad():
    logits = model(tokens)
assert logits.shape == (8, 2) and torch.isfinite(logits).all()
print(f"RESULT logits {tuple(logits.shape)} last_loss {total / len(loader):.4f}")
