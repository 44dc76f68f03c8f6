"""Causal transformer decoder layer with a hand-built mask."""
import torch
import torch.nn as nn

torch.manual_seed(0)
VOCAB, DIM, BATCH, SEQ = 50, 32, 4, 16


class TinyGPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, DIM)
        self.layer = nn.TransformerEncoderLayer(DIM, 4, 64, batch_first=True)
        self.lm_head = nn.Linear(DIM, VOCAB)

    def forward(self, ids):
        mask = torch.triu(torch.ones(BATCH, BATCH, dtype=torch.bool), diagonal=1)
        return self.lm_head(self.layer(self.tok(ids), src_mask=mask))


ids = torch.randint(0, VOCAB, (BATCH, SEQ + 1))
model = TinyGPT()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
for step in range(4):
    opt.zero_grad()
    logits = model(ids[:, :-1])
    loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), ids[:, 1:].reshape(-1))
    loss.backward()
    opt.step()
assert logits.shape == (BATCH, SEQ, VOCAB)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
