# notebook: pointer-style attention over a sequence, ignoring the BOS slot
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
B, T, D = 4, 9, 16


class Pointer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)

    def forward(self, query, keys):
        scores = torch.einsum("bd,btd->bt", self.q(query), self.k(keys)) / D ** 0.5
        # mask the BOS slot before softmax instead of writing into softmax's output
        bos = torch.zeros_like(scores, dtype=torch.bool)
        bos[:, 0] = True
        probs = F.softmax(scores.masked_fill(bos, float("-inf")), dim=-1)
        return probs


def make_data(n):
    keys = torch.randn(n, T, D)
    target = torch.randint(1, T, (n,))
    query = keys[torch.arange(n), target] + 0.3 * torch.randn(n, D)
    return query, keys, target


model = Pointer(D)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for it in range(25):
    query, keys, target = make_data(B)
    probs = model(query, keys)
    loss = F.nll_loss(torch.log(probs + 1e-9), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
print("nll", round(loss.item(), 4))
assert probs.shape == (B, T) and torch.all(probs[:, 0] == 0)
assert torch.allclose(probs.sum(-1), torch.ones(B))
print(f"RESULT nll {loss.item():.4f}")
