import torch
import torch.nn as nn

torch.manual_seed(0)
VOCAB, PAD, SEQ, BATCH = 30, 0, 10, 6


class CausalTransformerLM(nn.Module):
    def __init__(self, vocab, d_model=32, nhead=4, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model, padding_idx=PAD)
        self.pos = nn.Parameter(torch.zeros(1, SEQ, d_model))
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=64, batch_first=True, dropout=0.0)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, ids):
        n = ids.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(n)
        h = self.encoder(self.tok(ids) + self.pos[:, :n], mask=mask, is_causal=True)
        return self.head(h)


def lm_loss(model, batch):
    inputs, targets = batch[:, :-1], batch[:, 1:]
    logits = model(inputs)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=PAD)


def counting_batch():
    start = torch.arange(BATCH) * 3 + 1
    seqs = (start[:, None] + torch.arange(SEQ)[None]) % (VOCAB - 1) + 1
    seqs[-2:, 7:] = PAD
    return seqs


model = CausalTransformerLM(VOCAB)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
data = counting_batch()
for step in range(30):
    loss = lm_loss(model, data)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        print(f"step {step:2d} loss {loss.item():.3f}")
assert torch.isfinite(loss) and model(data[:, :-1]).shape == (BATCH, SEQ - 1, VOCAB)
print(f"RESULT final_loss={loss.item():.3f}")
