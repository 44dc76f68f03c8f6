from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class TrainArgs:
    vocab: int = 30
    dim: int = 16
    n_labels: int = 2
    epochs: int = 2
    lr: float = 1e-2


class SequenceClassifier(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.emb = nn.Embedding(args.vocab, args.dim)
        self.score = nn.Linear(args.dim, args.n_labels)

    def forward(self, input_ids, labels=None):
        pooled = self.emb(input_ids).mean(1)
        logits = self.score(pooled)
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = F.cross_entropy(logits, labels)
        return out


def train(model, loader, args):
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    model.train()
    for epoch in range(args.epochs):
        for input_ids, labels in loader:
            outputs = model(input_ids, labels=labels)
            opt.zero_grad()
            outputs.backward()
            opt.step()
    return outputs


torch.manual_seed(0)
args = TrainArgs()
ids = torch.randint(0, args.vocab, (48, 7))
y = (ids[:, 0] > args.vocab // 2).long()
loader = DataLoader(TensorDataset(ids, y), batch_size=12, shuffle=True)
model = SequenceClassifier(args)
last = train(model, loader, args)
print("last batch loss", last["loss"].item())
