import argparse
import torch
import torch.nn as nn

torch.manual_seed(0)

ap = argparse.ArgumentParser(description="BiLSTM part-of-speech tagger")
ap.add_argument("--vocab", type=int, default=60)
ap.add_argument("--tags", type=int, default=7)
ap.add_argument("--seq-len", type=int, default=12)
ap.add_argument("--batch", type=int, default=4)
ap.add_argument("--steps", type=int, default=10)
args = ap.parse_args([])


class Tagger(nn.Module):
    def __init__(self, vocab, tags, emb=20, hid=24):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hid, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * hid, tags)

    def forward(self, words):
        h, _ = self.lstm(self.emb(words))
        return self.proj(h)  # (B, T, tags)


def synthetic_batch():
    words = torch.randint(0, args.vocab, (args.batch, args.seq_len))
    tags = words % args.tags  # a learnable rule
    return words, tags


tagger = Tagger(args.vocab, args.tags)
optim = torch.optim.Adam(tagger.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
for step in range(args.steps):
    words, gold = synthetic_batch()
    scores = tagger(words)
    loss = loss_fn(scores.view(-1, args.tags), gold.view(-1))  # flatten both to B*T
    optim.zero_grad()
    loss.backward()
    optim.step()
    print(f"step {step:02d} loss {loss.item():.4f}")
with torch.no_grad():
    words, gold = synthetic_batch()
    acc = (tagger(words).argmax(-1) == gold).float().mean().item()
assert scores.shape == (args.batch, args.seq_len, args.tags)
print(f"RESULT loss {loss.item():.4f} tag acc {acc:.2f}")
