import torch
from torch import nn

torch.manual_seed(2)
B, T, D = 6, 10, 16

# masked mean pooling over a padded sequence batch
lengths = torch.tensor([10, 7, 3, 9, 5, 1])
tokens = torch.randint(1, 30, (B, T))
mask = (torch.arange(T)[None, :] < lengths[:, None]).float()    # [B, T]
tokens = tokens * mask.long()

embed = nn.Embedding(30, D, padding_idx=0)
clf = nn.Linear(D, 2)
opt = torch.optim.Adam([*embed.parameters(), *clf.parameters()], lr=1e-2)
y = torch.randint(0, 2, (B,))


def masked_mean(h, m):
    return (h * m).sum(1) / m.sum(1, keepdim=True)


for step in range(8):
    opt.zero_grad()
    pooled = masked_mean(embed(tokens), mask)
    loss = nn.functional.cross_entropy(clf(pooled), y)
    loss.backward()
    opt.step()
assert pooled.shape == (B, D) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
