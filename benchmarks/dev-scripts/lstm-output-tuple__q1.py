"""Next-token language model on a toy corpus, model built with nn.Sequential."""
import torch
import torch.nn as nn

torch.manual_seed(0)

corpus = "the cat sat on the mat and the dog sat on the log " * 20
chars = sorted(set(corpus))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in corpus])

SEQ, BATCH, HIDDEN = 16, 8, 64


def get_batch():
    starts = torch.randint(0, len(data) - SEQ - 1, (BATCH,))
    x = torch.stack([data[s:s + SEQ] for s in starts])
    y = torch.stack([data[s + 1:s + SEQ + 1] for s in starts])
    return x, y


model = nn.Sequential(
    nn.Embedding(len(chars), 32),
    nn.LSTM(32, HIDDEN, batch_first=True),
    nn.Linear(HIDDEN, len(chars)),
)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

for step in range(60):
    x, y = get_batch()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 20 == 0:
        print(f"step {step} loss {loss.item():.3f}")
