"""Masked mean-pooling text classifier; the validation helper was written before the mask existed."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)  # small CPU job: one intra-op thread is faster here

torch.manual_seed(0)
VOCAB, DIM, CLASSES, T = 200, 32, 3, 15


class PooledClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, DIM, padding_idx=0)
        self.proj = nn.Linear(DIM, DIM)
        self.out = nn.Linear(DIM, CLASSES)

    def forward(self, ids, mask):
        h = torch.tanh(self.proj(self.emb(ids)))
        m = mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
        return self.out(pooled)


def make_split(n, seed):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(3, T + 1, (n,), generator=g)
    mask = torch.arange(T)[None] < lengths[:, None]
    labels = torch.randint(0, CLASSES, (n,), generator=g)
    # class-specific token ranges so the task is learnable
    ids = torch.randint(1, 60, (n, T), generator=g) + labels[:, None] * 60
    ids = ids.masked_fill(~mask, 0)
    return TensorDataset(ids, mask, labels)


def validate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for ids, mask, labels in loader:
            logits = model(ids, mask)
            correct += (logits.argmax(1) == labels).sum().item()
            total += labels.numel()
    model.train()
    return correct / total


train_loader = DataLoader(make_split(240, 0), batch_size=24, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(make_split(60, 1), batch_size=30)
model = PooledClassifier()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
val_acc = []
for epoch in range(3):
    for ids, mask, labels in train_loader:
        loss = F.cross_entropy(model(ids, mask), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    val_acc.append(validate(model, val_loader))
    print(f"epoch {epoch}: loss {loss.item():.4f} val_acc {val_acc[-1]:.3f}")

assert val_acc[-1] > 0.9, val_acc
print(f"RESULT val_acc={val_acc[-1]:.3f} final_loss={loss.item():.4f}")
