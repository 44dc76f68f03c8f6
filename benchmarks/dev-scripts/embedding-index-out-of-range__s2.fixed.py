# Sequence tagging with a GRU over variable-length token sequences.
import random
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

CFG = {"vocab_size": 50, "n_tags": 4, "emb_dim": 32, "hidden": 32, "batch_size": 8, "epochs": 2}
random.seed(0)
torch.manual_seed(0)


class ToyTagging(Dataset):
    """Token ids 1..vocab_size-1 (0 is reserved); tag = token id mod n_tags."""

    def __init__(self, n, vocab_size, n_tags):
        self.items = []
        for _ in range(n):
            length = random.randint(3, 12)
            toks = [random.randint(1, vocab_size - 1) for _ in range(length)]
            self.items.append((toks, [t % n_tags for t in toks]))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch, pad_id=0, ignore_tag=-100):
    longest = max(len(t) for t, _ in batch)
    toks = torch.full((len(batch), longest), pad_id, dtype=torch.long)
    tags = torch.full((len(batch), longest), ignore_tag, dtype=torch.long)
    for row, (t, y) in enumerate(batch):
        toks[row, : len(t)] = torch.tensor(t)
        tags[row, : len(y)] = torch.tensor(y)
    return toks, tags


class Tagger(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"], padding_idx=0)
        self.rnn = nn.GRU(cfg["emb_dim"], cfg["hidden"], batch_first=True)
        self.head = nn.Linear(cfg["hidden"], cfg["n_tags"])

    def forward(self, toks):
        h, _ = self.rnn(self.emb(toks))
        return self.head(h)


ds = ToyTagging(64, CFG["vocab_size"], CFG["n_tags"])
loader = DataLoader(ds, batch_size=CFG["batch_size"], shuffle=True, collate_fn=collate)
model = Tagger(CFG)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss(ignore_index=-100)

for epoch in range(CFG["epochs"]):
    total = 0.0
    for toks, tags in loader:
        logits = model(toks)
        loss = loss_fn(logits.reshape(-1, CFG["n_tags"]), tags.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"epoch {epoch} loss {total / len(loader):.3f}")

assert logits.shape[-1] == CFG["n_tags"] and logits.shape[:2] == toks.shape
assert torch.all(model.emb.weight[0] == 0)
print(f"RESULT final_epoch_loss={total / len(loader):.3f}")
