"""Fashion-style tiny image classifier that can also return embeddings for retrieval."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)  # avoid thread oversubscription on small tensors

torch.manual_seed(0)
N_CLASSES = 4


class SmallConvNet(nn.Module):
    def __init__(self, n_classes=N_CLASSES, emb_dim=32):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.embed = nn.Linear(16 * 4 * 4, emb_dim)
        self.classify = nn.Linear(emb_dim, n_classes)

    def forward(self, x, return_embedding=False):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # 16 -> 8
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # 8 -> 4
        emb = F.relu(self.embed(x.flatten(1)))
        if return_embedding:
            return emb
        logits = self.classify(emb)


def synthetic_images(n, seed):
    """Each class is a bright bar in a different orientation / position."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, N_CLASSES, (n,), generator=g)
    x = 0.2 * torch.randn(n, 1, 16, 16, generator=g)
    for i, c in enumerate(y.tolist()):
        if c == 0:
            x[i, 0, 7:9, :] += 1.0
        elif c == 1:
            x[i, 0, :, 7:9] += 1.0
        elif c == 2:
            x[i, 0].diagonal().add_(1.0)
        else:
            x[i, 0, 2:6, 2:6] += 1.0
    return TensorDataset(x, y)


train_loader = DataLoader(synthetic_images(256, 0), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
model = SmallConvNet()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

for epoch in range(4):
    running = 0.0
    for images, labels in train_loader:
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.item()
    print(f"epoch {epoch}: loss {running / len(train_loader):.4f}")

test_x, test_y = synthetic_images(100, 1).tensors
with torch.no_grad():
    acc = (model(test_x).argmax(1) == test_y).float().mean().item()
    emb = model(test_x, return_embedding=True)
assert emb.shape == (100, 32)
assert acc > 0.9, acc
print(f"RESULT test_acc={acc:.3f} emb_dim={emb.shape[1]}")
