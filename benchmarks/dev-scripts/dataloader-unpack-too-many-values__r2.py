# HuggingFace-style dict samples: input_ids / attention_mask / labels
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(8)


class EncodedDataset(Dataset):
    def __init__(self, n=20, seq=12, vocab=64):
        g = torch.Generator().manual_seed(8)
        self.ids = torch.randint(1, vocab, (n, seq), generator=g)
        self.mask = torch.ones(n, seq, dtype=torch.long)
        self.mask[::2, 8:] = 0
        self.labels = torch.randint(0, 2, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i], "labels": self.labels[i]}


class MeanPoolClassifier(nn.Module):
    def __init__(self, vocab=64, dim=24):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.fc = nn.Linear(dim, 2)

    def forward(self, input_ids, attention_mask):
        m = attention_mask.unsqueeze(-1).float()
        pooled = (self.emb(input_ids) * m).sum(1) / m.sum(1)
        return self.fc(pooled)


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for inputs, labels in loader:
            logits = model(inputs["input_ids"], inputs["attention_mask"])
            correct += (logits.argmax(-1) == labels).sum().item()
            total += len(labels)
    return correct / total


model = MeanPoolClassifier()
val_loader = DataLoader(EncodedDataset(), batch_size=5)
print("val accuracy:", evaluate(model, val_loader))
