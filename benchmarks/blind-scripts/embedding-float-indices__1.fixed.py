"""Token ids produced with numpy, then moved into torch as floats."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
rng = np.random.default_rng(0)
VOCAB, SEQ = 80, 14

token_ids = rng.integers(0, VOCAB, size=(32, SEQ))
labels = rng.integers(0, 4, size=32)
x = torch.LongTensor(token_ids)
y = torch.LongTensor(labels)

model = nn.Sequential(
    nn.Embedding(VOCAB, 20),
    nn.Flatten(),
    nn.Linear(20 * SEQ, 4),
)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(8):
    opt.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    loss.backward()
    opt.step()

assert logits.shape == (32, 4)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
