import torch
from torch import nn

torch.manual_seed(1)
VOCAB, B, T = 25, 8, 12

# next-token tagger: one prediction per position, labels are per position too
tokens = torch.randint(0, VOCAB, (B, T))
tags = torch.randint(0, 4, (B, T))

embed = nn.Embedding(VOCAB, 16)
lstm = nn.LSTM(16, 16, batch_first=True)
tagger = nn.Linear(16, 4)
params = [*embed.parameters(), *lstm.parameters(), *tagger.parameters()]
opt = torch.optim.Adam(params, lr=1e-2)
criterion = nn.CrossEntropyLoss()

for epoch in range(6):
    opt.zero_grad()
    out, _ = lstm(embed(tokens))
    logits = tagger(out)                      # [B, T, 4]
    loss = criterion(logits.reshape(-1, 4), tags[:, -1])
    loss.backward()
    opt.step()

acc = (logits.argmax(-1) == tags).float().mean().item()
assert logits.shape == (B, T, 4)
assert torch.isfinite(loss)
print(f"RESULT acc={acc:.3f}")
