import torch
from torch import nn

torch.manual_seed(3)
N_PRODUCTS = 100
PAD_ID = -1         # padding marker for short purchase histories

histories = [torch.randint(0, N_PRODUCTS, (int(n),)) for n in torch.randint(2, 8, (16,))]
max_len = max(len(h) for h in histories)
batch = torch.full((16, max_len), PAD_ID)
for i, h in enumerate(histories):
    batch[i, : len(h)] = h
will_return = torch.randint(0, 2, (16,)).float()


class HistoryModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.products = nn.Embedding(N_PRODUCTS, 12)
        self.out = nn.Linear(12, 1)

    def forward(self, ids):
        mask = (ids != PAD_ID).float().unsqueeze(-1)
        vecs = self.products(ids) * mask
        return self.out(vecs.sum(1) / mask.sum(1)).squeeze(-1)


model = HistoryModel()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(10):
    opt.zero_grad()
    logits = model(batch)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, will_return)
    loss.backward()
    opt.step()
assert logits.shape == (16,) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
