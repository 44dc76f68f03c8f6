# Character-level GRU: train briefly, then sample greedily.
import torch
import torch.nn as nn

torch.manual_seed(0)
text = "hello world, hello torch, hello gru. " * 8
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text])


class CharGRU(nn.Module):
    def __init__(self, n_chars, emb=16, hidden=48):
        super().__init__()
        self.embed = nn.Embedding(n_chars, emb)
        self.gru = nn.GRU(emb, hidden)
        self.out = nn.Linear(hidden, n_chars)

    def forward(self, idx, h=None):  # idx: (T, B)
        y, h = self.gru(self.embed(idx), h)
        return self.out(y), h


def sample(model, start="h", length=20):
    model.eval()
    tok = torch.tensor([[stoi[start]]])  # (T=1, B=1)
    h, result = None, start
    with torch.no_grad():
        for _ in range(length):
            logits, h = model(tok, h)
            tok = logits.argmax(-1)
            result += itos[int(tok)]
    return result


model = CharGRU(len(chars))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
seq = 32
for step in range(40):
    starts = torch.randint(0, len(data) - seq - 1, (8,))
    x = torch.stack([data[s:s + seq] for s in starts], dim=1)
    y = torch.stack([data[s + 1:s + seq + 1] for s in starts], dim=1)
    logits, _ = model(x)
    loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
    opt.zero_grad(); loss.backward(); opt.step()
print("loss", round(loss.item(), 3))
out = sample(model)
assert len(out) == 21 and out[0] == "h" and set(out) <= set(chars)
print("RESULT", repr(out))
