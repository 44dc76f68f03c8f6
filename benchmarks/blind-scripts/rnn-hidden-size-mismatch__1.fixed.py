"""Char-level LSTM with an explicitly initialised hidden state."""
import torch
import torch.nn as nn

torch.manual_seed(0)
VOCAB, HIDDEN, LAYERS, BATCH, SEQ = 30, 48, 2, 8, 16


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 24)
        self.lstm = nn.LSTM(24, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.out = nn.Linear(HIDDEN, VOCAB)

    def init_hidden(self, batch_size):
        shape = (LAYERS, batch_size, HIDDEN)
        return torch.zeros(shape), torch.zeros(shape)

    def forward(self, x, hidden):
        y, hidden = self.lstm(self.emb(x), hidden)
        return self.out(y), hidden


text = torch.randint(0, VOCAB, (BATCH, SEQ + 1))
model = CharLSTM()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(5):
    hidden = model.init_hidden(BATCH)
    opt.zero_grad()
    logits, hidden = model(text[:, :-1], hidden)
    loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), text[:, 1:].reshape(-1))
    loss.backward()
    opt.step()
assert logits.shape == (BATCH, SEQ, VOCAB) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
