"""Encoder-decoder toy: learn to copy a digit sequence; evaluate with teacher forcing."""
import torch
import torch.nn as nn

torch.manual_seed(0)
V, H, T = 12, 32, 6


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, H)
        self.rnn = nn.GRU(H, H, batch_first=True)

    def forward(self, src):
        _, h = self.rnn(self.emb(src))
        return h


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, H)
        self.rnn = nn.GRU(H, H, batch_first=True)
        self.out = nn.Linear(H, V)

    def forward(self, tgt_in, hidden):
        y, hidden = self.rnn(self.emb(tgt_in), hidden)
        return self.out(y), hidden


def make_batch(b=16):
    src = torch.randint(2, V, (b, T))
    bos = torch.ones(b, 1, dtype=torch.long)
    return src, torch.cat([bos, src[:, :-1]], 1), src


enc, dec = Encoder(), Decoder()
opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=5e-3)
for step in range(40):
    src, tgt_in, tgt_out = make_batch()
    logits, _ = dec(tgt_in, enc(src))
    loss = nn.functional.cross_entropy(logits.reshape(-1, V), tgt_out.reshape(-1))
    opt.zero_grad(); loss.backward(); opt.step()
print("train loss", round(loss.item(), 4))


@torch.no_grad()
def evaluate(n_batches=3):
    enc.eval(); dec.eval()
    correct = total = 0
    for _ in range(n_batches):
        src, tgt_in, tgt_out = make_batch()
        memory = enc(src)
        logits, _ = dec(tgt_in, memory)  # the decoder starts from the encoder state
        correct += (logits.argmax(-1) == tgt_out).sum().item()
        total += tgt_out.numel()
    return correct / total


acc = evaluate()
assert 0.0 <= acc <= 1.0 and acc > 1.5 / V  # better than chance
print(f"RESULT eval token acc {acc:.3f}")
