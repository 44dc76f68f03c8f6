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


class CharLM(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, 32)
        self.lstm = nn.LSTM(32, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x):
        output, _ = self.lstm(self.emb(x))  # LSTM returns (output, (h_n, c_n))
        return self.head(output)


model = CharLM(len(chars), HIDDEN)
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
assert logits.shape == (BATCH, SEQ, len(chars)) and loss.item() < 2.0
print(f"RESULT loss={loss.item():.3f}")
