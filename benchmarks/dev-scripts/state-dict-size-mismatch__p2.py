import argparse
import os
import tempfile
import torch
import torch.nn as nn

torch.manual_seed(0)


class BagOfWords(nn.Module):
    def __init__(self, vocab_size, dim=16, n_labels=4):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, dim, mode="mean")
        self.proj = nn.Linear(dim, n_labels)

    def forward(self, ids, offsets):
        return self.proj(self.embed(ids, offsets))


def make_batch(vocab_size, n=6):
    ids = torch.randint(0, vocab_size, (n * 5,))
    offsets = torch.arange(0, n * 5, 5)
    return ids, offsets, torch.randint(0, 4, (n,))


def train(model, vocab_size, steps):
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        ids, offsets, y = make_batch(vocab_size)
        loss = nn.functional.cross_entropy(model(ids, offsets), y)
        opt.zero_grad(); loss.backward(); opt.step()
    return loss.item()


parser = argparse.ArgumentParser()
parser.add_argument("--old-vocab", type=int, default=100)
parser.add_argument("--new-vocab", type=int, default=120)  # tokenizer was extended
args = parser.parse_args([])

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "bow.pt")
    old = BagOfWords(args.old_vocab)
    print("stage 1 loss", train(old, args.old_vocab, 5))
    torch.save(old.state_dict(), path)

    # stage 2: resume with the bigger vocabulary
    new = BagOfWords(args.new_vocab)
    state = torch.load(path, map_location="cpu", weights_only=True)
    new.load_state_dict(state, strict=False)
    print("stage 2 loss", train(new, args.new_vocab, 5))
