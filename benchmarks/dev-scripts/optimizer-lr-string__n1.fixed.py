"""Character-level next-char model; hyperparameters come from the command line (simulated)."""
import argparse
import shlex

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

TEXT = ("the quick brown fox jumps over the lazy dog. " * 20).strip()


def get_args(argv):
    p = argparse.ArgumentParser(description="char-rnn trainer")
    p.add_argument("--emb", type=int, default=16)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--seq-len", type=int, default=16)
    p.add_argument("--steps", type=int, default=120)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.0)
    return p.parse_args(argv)


class CharRNN(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        return self.out(h)


args = get_args(shlex.split("--hidden 48 --lr 1e-2 --steps 40"))
chars = sorted(set(TEXT))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in TEXT])

model = CharRNN(len(chars), args.emb, args.hidden)
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5)


def sample_batch(bs=16):
    starts = torch.randint(0, len(data) - args.seq_len - 1, (bs,))
    x = torch.stack([data[s:s + args.seq_len] for s in starts])
    y = torch.stack([data[s + 1:s + args.seq_len + 1] for s in starts])
    return x, y


losses = []
for step in range(args.steps):
    x, y = sample_batch()
    logits = model(x)
    loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())
    if step % 10 == 0:
        print(f"step {step} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.2e}")

assert isinstance(args.lr, float)
assert losses[-1] < 0.5 * losses[0]
print(f"RESULT loss_first={losses[0]:.4f} loss_last={losses[-1]:.4f} lr={args.lr}")
