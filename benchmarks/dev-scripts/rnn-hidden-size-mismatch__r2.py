# char-level LSTM language model, stateful across batches (truncated BPTT)
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(1)
np.random.seed(1)

TEXT = "the quick brown fox jumps over the lazy dog. " * 12
chars = sorted(set(TEXT))
stoi = {c: i for i, c in enumerate(chars)}
BATCH, SEQ, HID = 16, 20, 48


class CharChunks(Dataset):
    def __init__(self, text, seq_len):
        ids = np.array([stoi[c] for c in text], dtype=np.int64)
        n = (len(ids) - 1) // seq_len
        self.x = ids[: n * seq_len].reshape(n, seq_len)
        self.y = ids[1 : n * seq_len + 1].reshape(n, seq_len)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.from_numpy(self.y[i])


class CharLM(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, 24)
        self.lstm = nn.LSTM(24, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x, state):
        h, state = self.lstm(self.emb(x), state)
        return self.out(h), state


ds = CharChunks(TEXT, SEQ)
loader = DataLoader(ds, batch_size=BATCH, shuffle=False)
model = CharLM(len(chars), HID)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
crit = nn.CrossEntropyLoss()

# %% train, carrying the hidden state over between batches
state = (torch.zeros(1, BATCH, HID), torch.zeros(1, BATCH, HID))
for epoch in range(2):
    for xb, yb in loader:
        state = tuple(s.detach() for s in state)
        logits, state = model(xb, state)
        loss = crit(logits.reshape(-1, len(chars)), yb.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.3f}")
