# Causal language model on toy sequences; the loss ignores padded positions.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence

PAD = 0
VOCAB = 30


class TinyLM(nn.Module):
    def __init__(self, vocab=VOCAB, dim=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.rnn = nn.LSTM(dim, dim, batch_first=True)
        self.lm_head = nn.Linear(dim, vocab)

    def forward(self, ids):
        h, _ = self.rnn(self.emb(ids))
        return self.lm_head(h)


def make_batch(gen, n=4):
    seqs = []
    for _ in range(n):
        L = int(torch.randint(5, 12, (1,), generator=gen))
        start = int(torch.randint(1, VOCAB - 12, (1,), generator=gen))
        seqs.append(torch.arange(start, start + L))  # counting sequences: easy to learn
    return pad_sequence(seqs, batch_first=True, padding_value=PAD)


def lm_loss(model, ids):
    attention_mask = ids != PAD
    logits = model(ids[:, :-1])          # predict token t+1 from tokens <= t
    targets = ids[:, 1:]
    valid = logits[attention_mask]       # drop padded positions
    return F.cross_entropy(valid, targets[attention_mask])


torch.manual_seed(0)
gen = torch.Generator().manual_seed(0)
model = TinyLM()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(60):
    loss = lm_loss(model, make_batch(gen))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 20 == 0:
        print(f"step {step} loss {loss.item():.3f}")
