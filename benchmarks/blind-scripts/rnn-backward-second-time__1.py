"""Truncated BPTT language model that carries the hidden state across chunks."""
import torch
import torch.nn as nn

torch.manual_seed(0)
VOCAB, BPTT = 30, 10

corpus = torch.randint(0, VOCAB, (4, 101))        # 4 parallel streams
emb = nn.Embedding(VOCAB, 16)
lstm = nn.LSTM(16, 32, batch_first=True)
decoder = nn.Linear(32, VOCAB)
params = [*emb.parameters(), *lstm.parameters(), *decoder.parameters()]
opt = torch.optim.SGD(params, lr=0.5)

hidden = None
losses = []
for start in range(0, 100 - BPTT + 1, BPTT):
    x = corpus[:, start:start + BPTT]
    y = corpus[:, start + 1:start + BPTT + 1]
    out, hidden = lstm(emb(x), hidden)
    loss = nn.functional.cross_entropy(decoder(out).reshape(-1, VOCAB), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

assert len(losses) == 10
assert all(l == l for l in losses)
print(f"RESULT final_loss={losses[-1]:.4f}")
