"""Stateful word-level language model (truncated BPTT) with an explicit init_hidden()."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

CORPUS = ("we train small models on small data and we watch the loss go down "
          "then we train again on more data and the loss goes down again ") * 12


class WordLSTM(nn.Module):
    def __init__(self, vocab, emb=32, hidden=64, layers=2):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.embed = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=layers, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab)

    def init_hidden(self, batch_size):
        # batch_first only affects input/output, not (h, c)
        shape = (self.layers, batch_size, self.hidden)
        return torch.zeros(shape), torch.zeros(shape)

    def forward(self, tokens, state):
        out, state = self.lstm(self.embed(tokens), state)
        return self.decoder(out), state


words = CORPUS.split()
vocab = sorted(set(words))
w2i = {w: i for i, w in enumerate(vocab)}
ids = torch.tensor([w2i[w] for w in words])

BATCH, BPTT = 4, 12
n_cols = len(ids) // BATCH
streams = ids[: n_cols * BATCH].view(BATCH, n_cols)  # [batch, time]

model = WordLSTM(len(vocab))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

epoch_losses = []
for epoch in range(3):
    state = model.init_hidden(BATCH)
    total, chunks = 0.0, 0
    for t in range(0, n_cols - 1 - BPTT, BPTT):
        inp = streams[:, t:t + BPTT]
        tgt = streams[:, t + 1:t + 1 + BPTT]
        state = tuple(s.detach() for s in state)
        logits, state = model(inp, state)
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        total += loss.item()
        chunks += 1
    epoch_losses.append(total / chunks)
    print(f"epoch {epoch} ppl {torch.exp(torch.tensor(epoch_losses[-1])).item():.2f}")

assert state[0].shape == (2, BATCH, 64)
assert epoch_losses[-1] < epoch_losses[0]
print(f"RESULT loss_first={epoch_losses[0]:.4f} loss_last={epoch_losses[-1]:.4f} chunks={chunks}")
