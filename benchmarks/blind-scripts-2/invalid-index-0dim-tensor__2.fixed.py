import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class ToyTextDataset(Dataset):
    def __init__(self, n=60, seq=12, vocab=50):
        g = torch.Generator().manual_seed(3)
        self.tokens = torch.randint(0, vocab, (n, seq), generator=g)
        self.labels = (self.tokens[:, 0] % 3)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.tokens[i], self.labels[i]


class BagClassifier(nn.Module):
    def __init__(self, vocab=50, dim=24, classes=3):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.out = nn.Linear(dim, classes)

    def forward(self, tokens):
        return self.out(self.emb(tokens))


def evaluate(model, loader):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for tokens, labels in loader:
            pred = model(tokens).max(1)[1]
            correct += pred.eq(labels).sum()
            total += labels.size(0)
    return 100.0 * correct.item() / total


torch.manual_seed(0)
loader = DataLoader(ToyTextDataset(), batch_size=20)
model = BagClassifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for tokens, labels in loader:
    loss = nn.functional.cross_entropy(model(tokens), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()

acc = evaluate(model, loader)
print("accuracy: %.2f%%" % acc)
assert isinstance(acc, float) and 0.0 <= acc <= 100.0
print(f"RESULT evaluated accuracy {acc:.2f}")
