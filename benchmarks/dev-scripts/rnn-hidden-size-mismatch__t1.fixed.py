import random

import numpy as np
import torch
import torch.nn as nn


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class CharLM(nn.Module):
    def __init__(self, vocab, emb=16, hidden=32, layers=2):
        super().__init__()
        self.layers = layers
        self.hidden = hidden
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def init_hidden(self, batch_size):
        return torch.zeros(self.layers, batch_size, self.hidden)

    def forward(self, tokens, h=None):
        if h is None:
            h = self.init_hidden(tokens.shape[0])
        y, h = self.rnn(self.emb(tokens), h)
        return self.out(y), h


def batches(text_ids, batch_size, seq_len):
    n = (len(text_ids) - 1) // (batch_size * seq_len) * batch_size * seq_len
    x = text_ids[:n].view(batch_size, -1)
    y = text_ids[1:n + 1].view(batch_size, -1)
    for i in range(0, x.shape[1], seq_len):
        yield x[:, i:i + seq_len], y[:, i:i + seq_len]


def main():
    seed_all(0)
    text = "the quick brown fox jumps over the lazy dog. " * 20
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([stoi[c] for c in text])

    model = CharLM(len(chars))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(3):
        h = None
        for x, y in batches(ids, batch_size=8, seq_len=20):
            logits, h = model(x, h)
            h = h.detach()
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    assert h.shape == (2, 8, 32)
    assert torch.isfinite(loss)
    print(f"RESULT loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
