"""Product image + optional caption-id dataset for a retrieval model."""
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader, default_collate

torch.set_num_threads(1)  # shared CPU box

torch.manual_seed(0)

NUM_CATEGORIES = 4


@dataclass
class ProductMeta:
    sku: str
    caption_id: Optional[int]


class ProductImages(Dataset):
    """Each record: image tensor, category label, caption id (not every product has a caption)."""

    def __init__(self, n=96):
        g = torch.Generator().manual_seed(5)
        self.categories = torch.randint(0, NUM_CATEGORIES, (n,), generator=g)
        self.images = torch.randn(n, 3, 16, 16, generator=g) * 0.5
        for i, c in enumerate(self.categories.tolist()):
            self.images[i, c % 3] += 1.0 + c * 0.5      # category-dependent colour cast
        self.meta = [ProductMeta(sku=f"SKU-{i:04d}", caption_id=i if i % 3 else None) for i in range(n)]

    def __len__(self):
        return len(self.categories)

    def __getitem__(self, idx):
        return {
            "image": self.images[idx],
            "label": self.categories[idx],
            "meta": self.meta[idx],
        }


class ProductCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32, NUM_CATEGORIES)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def collate_products(samples):
    """Stack tensors with default_collate, keep the ProductMeta objects as a plain list."""
    batch = default_collate([{k: v for k, v in s.items() if k != "meta"} for s in samples])
    batch["meta"] = [s["meta"] for s in samples]
    return batch


ds = ProductImages()
loader = DataLoader(ds, batch_size=16, shuffle=True, collate_fn=collate_products,
                    generator=torch.Generator().manual_seed(0))
model = ProductCNN()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)

losses, n_captioned = [], 0
for epoch in range(4):
    for batch in loader:
        logits = model(batch["image"])
        loss = F.cross_entropy(logits, batch["label"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if epoch == 0:
            n_captioned += sum(m.caption_id is not None for m in batch["meta"])
            assert len(batch["meta"]) == batch["image"].size(0)

print(f"{len(losses)} steps, loss {losses[0]:.3f} -> {losses[-1]:.3f}")
assert n_captioned == sum(m.caption_id is not None for m in ds.meta) == 64
assert torch.isfinite(torch.tensor(losses)).all()
assert sum(losses[-6:]) / 6 < sum(losses[:6]) / 6
print(f"RESULT steps={len(losses)} captioned={n_captioned} first={losses[0]:.4f} last={losses[-1]:.4f}")
