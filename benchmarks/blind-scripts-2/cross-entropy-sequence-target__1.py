"""BiLSTM part-of-speech tagger on a toy corpus."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

torch.manual_seed(0)

CORPUS = [
    ("the cat sat on the mat", "DET NOUN VERB ADP DET NOUN"),
    ("a dog runs", "DET NOUN VERB"),
    ("the bird sings in the tree", "DET NOUN VERB ADP DET NOUN"),
    ("dogs bark", "NOUN VERB"),
    ("a cat sleeps on a chair", "DET NOUN VERB ADP DET NOUN"),
    ("the man walks", "DET NOUN VERB"),
]
words = sorted({w for s, _ in CORPUS for w in s.split()})
tags = sorted({t for _, ts in CORPUS for t in ts.split()})
w2i = {w: i + 1 for i, w in enumerate(words)}
t2i = {t: i for i, t in enumerate(tags)}
PAD_TAG = -100


def collate(batch):
    xs = [torch.tensor([w2i[w] for w in s.split()]) for s, _ in batch]
    ys = [torch.tensor([t2i[t] for t in ts.split()]) for _, ts in batch]
    return pad_sequence(xs, batch_first=True), pad_sequence(ys, batch_first=True, padding_value=PAD_TAG)


class Tagger(nn.Module):
    def __init__(self, n_words, n_tags, emb=16, hidden=16):
        super().__init__()
        self.emb = nn.Embedding(n_words + 1, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * hidden, n_tags)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.proj(out)  # [batch, seq, n_tags]


model = Tagger(len(words), len(tags))
criterion = nn.CrossEntropyLoss(ignore_index=PAD_TAG)
opt = torch.optim.Adam(model.parameters(), lr=0.02)
loader = DataLoader(CORPUS, batch_size=3, shuffle=True, collate_fn=collate)

for epoch in range(10):
    for x, y in loader:
        scores = model(x)
        loss = criterion(scores, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    if epoch % 3 == 0:
        print(f"epoch {epoch} loss {loss.item():.4f}")
