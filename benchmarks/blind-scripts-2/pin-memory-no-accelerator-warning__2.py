"""Offline evaluation of a text-matching model; loader settings copied from the GPU training job."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

LOADER_KWARGS = dict(batch_size=25, shuffle=False, num_workers=0, pin_memory=True)


class Matcher(nn.Module):
    def __init__(self, vocab=200, dim=24):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim)

    def forward(self, a, b):
        return nn.functional.cosine_similarity(self.emb(a), self.emb(b))


@torch.no_grad()
def evaluate(model, dataset, threshold=0.5):
    model.eval()
    loader = DataLoader(dataset, **LOADER_KWARGS)
    correct = total = 0
    for a, b, label in loader:
        pred = (model(a, b) > threshold).long()
        correct += (pred == label).sum().item()
        total += label.numel()
    return correct / total


torch.manual_seed(0)
a = torch.randint(0, 200, (100, 6))
b = torch.where(torch.arange(100)[:, None] % 2 == 0, a, torch.randint(0, 200, (100, 6)))
labels = (torch.arange(100) % 2 == 0).long()
acc = evaluate(Matcher(), TensorDataset(a, b, labels))
print(f"pair accuracy {acc:.2%}")
