import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(6)
np.random.seed(6)
torch.manual_seed(6)
torch.set_num_threads(1)

TEXT = "the quick brown fox jumps over the lazy dog. " * 20
CHARS = sorted(set(TEXT))
STOI = {c: i for i, c in enumerate(CHARS)}
ITOS = {i: c for c, i in STOI.items()}


class CharGRU(nn.Module):
    def __init__(self, vocab, emb=16, hidden=64):
        super().__init__()
        self.hidden_size = hidden
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def init_hidden(self, batch_size):
        return torch.zeros(1, batch_size, self.hidden_size)

    def forward(self, tokens, hidden):
        h, hidden = self.rnn(self.emb(tokens), hidden)
        return self.out(h), hidden


def get_batch(data, seq_len=24, batch_size=16):
    starts = torch.randint(0, len(data) - seq_len - 1, (batch_size,))
    x = torch.stack([data[s: s + seq_len] for s in starts])
    y = torch.stack([data[s + 1: s + seq_len + 1] for s in starts])
    return x, y


@torch.no_grad()
def sample(model, prompt, n_chars=40):
    model.eval()
    hidden = model.init_hidden(1)
    ids = torch.tensor([[STOI[c] for c in prompt]])
    logits, hidden = model(ids, hidden)
    out = list(prompt)
    tok = logits[:, -1].argmax(-1, keepdim=True)
    for _ in range(n_chars):
        out.append(ITOS[tok.item()])
        logits, hidden = model(tok, hidden)
        tok = logits[:, -1].argmax(-1, keepdim=True)
    return "".join(out)


def main():
    data = torch.tensor([STOI[c] for c in TEXT])
    model = CharGRU(len(CHARS))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(60):
        x, y = get_batch(data)
        logits, _ = model(x, model.init_hidden(x.size(0)))
        loss = F.cross_entropy(logits.reshape(-1, len(CHARS)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 20 == 0:
            print(f"step {step} loss {loss.item():.3f}")
    text = sample(model, "the quick")
    print(repr(text))
    assert torch.isfinite(loss) and loss.item() < 1.0
    assert len(text) == len("the quick") + 40
    print(f"RESULT loss={loss.item():.3f} sample={text!r}")


if __name__ == "__main__":
    main()
