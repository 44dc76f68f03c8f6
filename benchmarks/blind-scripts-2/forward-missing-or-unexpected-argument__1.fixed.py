"""Greedy decoding with a GRU decoder step module (seq2seq digit reversal toy)."""
import torch
import torch.nn as nn

torch.manual_seed(0)
VOCAB, SOS, HIDDEN = 12, 10, 32


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, HIDDEN)
        self.gru = nn.GRU(HIDDEN, HIDDEN, batch_first=True)

    def forward(self, src):
        _, h = self.gru(self.emb(src))
        return h.squeeze(0)


class DecoderStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, HIDDEN)
        self.cell = nn.GRUCell(HIDDEN, HIDDEN)
        self.out = nn.Linear(HIDDEN, VOCAB)

    def forward(self, token, hidden):
        hidden = self.cell(self.emb(token), hidden)
        return self.out(hidden), hidden


def train_step(enc, dec, opt, src, tgt):
    hidden = enc(src)
    token = torch.full((src.size(0),), SOS)
    loss = 0.0
    for t in range(tgt.size(1)):
        logits, hidden = dec(token, hidden)
        loss = loss + nn.functional.cross_entropy(logits, tgt[:, t])
        token = tgt[:, t]
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item() / tgt.size(1)


@torch.no_grad()
def greedy_decode(enc, dec, src, max_len):
    hidden = enc(src)
    token = torch.full((src.size(0),), SOS)
    outputs = []
    for _ in range(max_len):
        logits, hidden = dec(token, hidden)
        token = logits.argmax(-1)
        outputs.append(token)
    return torch.stack(outputs, dim=1)


enc, dec = Encoder(), DecoderStep()
opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=5e-3)
src = torch.randint(0, 10, (16, 5))
tgt = src.flip(1)
for epoch in range(30):
    avg = train_step(enc, dec, opt, src, tgt)
print(f"train loss {avg:.4f}")
pred = greedy_decode(enc, dec, src[:4], max_len=5)
print("source:", src[0].tolist(), "decoded:", pred[0].tolist())
assert pred.shape == (4, 5) and avg == avg
print(f"RESULT loss={avg:.4f} token_acc={(pred == tgt[:4]).float().mean().item():.2f}")
