import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
VOCAB, PAD_ID, DIM = 50, 0, 32


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, DIM, padding_idx=PAD_ID)
        self.rnn = nn.GRU(DIM, DIM, batch_first=True)
        self.lm_head = nn.Linear(DIM, VOCAB)

    def forward(self, ids):
        h, _ = self.rnn(self.emb(ids))
        return self.lm_head(h)


def make_batch():
    lengths = [9, 6, 4]
    rows = []
    for n in lengths:
        toks = torch.arange(1, n + 1) * 3 % (VOCAB - 1) + 1
        rows.append(F.pad(toks, (0, max(lengths) - n), value=PAD_ID))
    return torch.stack(rows)


def next_token_loss(model, input_ids):
    logits = model(input_ids)[:, :-1]
    targets = input_ids[:, 1:]
    attention = targets != PAD_ID
    active_logits = logits[attention]
    active_targets = targets[attention]
    return F.cross_entropy(active_logits, active_targets)


model = TinyLM()
opt = torch.optim.AdamW(model.parameters(), lr=5e-3)
batch = make_batch()
for step in range(20):
    loss = next_token_loss(model, batch)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        print(f"step {step} loss {loss.item():.3f}")
assert torch.isfinite(loss) and (batch[:, 1:] != PAD_ID).sum().item() == 8 + 5 + 3
print(f"RESULT final_loss={loss.item():.3f}")
