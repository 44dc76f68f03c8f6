import numpy as np
import torch
from torch import nn

torch.manual_seed(8)

# logging embedding statistics during training
emb = nn.Embedding(20, 4)
head = nn.Linear(4, 2)
opt = torch.optim.SGD([*emb.parameters(), *head.parameters()], lr=0.1)
ids = torch.randint(0, 20, (64,))
y = (ids % 2)
history = []  # mean L2 norm of the embedding rows after each step

for step in range(10):
    opt.zero_grad()
    logits = head(emb(ids))
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    opt.step()
    history.append(np.linalg.norm(emb.weight.detach().numpy(), axis=1).mean())

assert len(history) == 10
assert torch.isfinite(loss)
print(f"RESULT mean_norm={history[-1]:.4f} loss={loss.item():.4f}")
