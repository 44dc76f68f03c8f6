import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

CFG = {"vocab": 50, "max_len": 24, "batch_size": 8, "emb": 16, "epochs": 2}


class VariableLengthText(Dataset):
    def __init__(self, n=48, vocab=50, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            length = int(torch.randint(5, 31, (1,), generator=g))
            seq = torch.randint(1, vocab, (length,), generator=g)
            self.items.append((seq, int(seq[0] % 2)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class PadCollate:
    def __init__(self, max_len, pad_id=0):
        self.max_len = max_len
        self.pad_id = pad_id

    def __call__(self, batch):
        seqs, labels = zip(*batch)
        longest = min(max(len(s) for s in seqs), self.max_len)
        tokens = torch.full((len(seqs), longest), self.pad_id, dtype=torch.long)
        lengths = torch.zeros(len(seqs), dtype=torch.long)
        for i, s in enumerate(seqs):
            n = min(len(s), longest)
            tokens[i, :n] = s[:n]
            lengths[i] = n
        return tokens, lengths, torch.tensor(labels)


class BagClassifier(nn.Module):
    def __init__(self, vocab, emb):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.out = nn.Linear(emb, 2)

    def forward(self, tokens, lengths):
        summed = self.emb(tokens).sum(1)
        return self.out(summed / lengths.unsqueeze(1).float())


def main():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    ds = VariableLengthText(vocab=CFG["vocab"])
    loader = DataLoader(ds, batch_size=CFG["batch_size"], shuffle=True, collate_fn=PadCollate(CFG["max_len"]))
    model = BagClassifier(CFG["vocab"], CFG["emb"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(CFG["epochs"]):
        for tokens, lengths, labels in loader:
            assert tokens.shape[1] <= CFG["max_len"]
            loss = nn.functional.cross_entropy(model(tokens, lengths), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    assert torch.isfinite(loss)
    print(f"RESULT epochs={CFG['epochs']} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
