"""Tiny bag-of-words sentiment model: train on a toy corpus, then run inference on new reviews."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence

torch.manual_seed(0)

TRAIN = [
    ("great movie loved it", 1), ("terrible plot awful acting", 0),
    ("loved the acting", 1), ("awful movie", 0), ("great plot", 1), ("terrible it was", 0),
]
PAD, UNK = 0, 1


def build_vocab(sentences):
    vocab = {"<pad>": PAD, "<unk>": UNK}
    for s in sentences:
        for w in s.split():
            vocab.setdefault(w, len(vocab))
    return vocab


def encode(sentence, vocab):
    # unknown words share the reserved <unk> id
    return torch.tensor([vocab.get(w, UNK) for w in sentence.split()])


class MeanPoolClassifier(nn.Module):
    def __init__(self, vocab_size, dim=16):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        self.out = nn.Linear(dim, 2)

    def forward(self, ids):
        mask = (ids != PAD).unsqueeze(-1).float()
        pooled = (self.emb(ids) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.out(pooled)


def batchify(sentences, vocab):
    return pad_sequence([encode(s, vocab) for s in sentences], batch_first=True, padding_value=PAD)


vocab = build_vocab(s for s, _ in TRAIN)
model = MeanPoolClassifier(len(vocab))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
ids = batchify([s for s, _ in TRAIN], vocab)
labels = torch.tensor([y for _, y in TRAIN])

for epoch in range(30):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(ids), labels)
    loss.backward()
    opt.step()
print(f"final train loss {loss.item():.4f}")

model.eval()
new_reviews = ["loved this movie", "awful boring plot"]
with torch.no_grad():
    ids = batchify(new_reviews, vocab)
    preds = model(ids).argmax(1)
assert preds.shape == (2,)
assert int(ids.max()) < model.emb.num_embeddings
assert loss.item() < 0.1
for r, p in zip(new_reviews, preds.tolist()):
    print(r, "->", "pos" if p else "neg")
print("RESULT preds", preds.tolist())
