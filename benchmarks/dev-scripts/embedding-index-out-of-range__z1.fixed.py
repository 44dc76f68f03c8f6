"""Next-word prediction on a toy corpus with a vocabulary built from the training text."""
from collections import Counter
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)  # avoid thread oversubscription on small tensors

torch.manual_seed(0)

CORPUS = """the cat sat on the mat . the dog sat on the rug . a cat saw a dog .
the dog saw the cat on the mat . a bird sat on the dog . the bird saw a cat .""".split()
SPECIALS = ["<pad>", "<unk>"]
CONTEXT = 3


class Vocab:
    def __init__(self, tokens, min_freq=1):
        counts = Counter(tokens)
        words = sorted(w for w, c in counts.items() if c >= min_freq)
        self.itos = SPECIALS + words
        self.size = len(self.itos)   # count the special tokens too
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def encode(self, words):
        return [self.stoi.get(w, self.stoi["<unk>"]) for w in words]


class NGramLM(nn.Module):
    def __init__(self, vocab_size, dim=16, context=CONTEXT):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim)
        self.fc1 = nn.Linear(context * dim, 64)
        self.fc2 = nn.Linear(64, vocab_size)

    def forward(self, ctx):
        e = self.emb(ctx).flatten(1)
        return self.fc2(torch.tanh(self.fc1(e)))


vocab = Vocab(CORPUS)
ids = torch.tensor(vocab.encode(CORPUS))
contexts = torch.stack([ids[i:i + CONTEXT] for i in range(len(ids) - CONTEXT)])
targets = ids[CONTEXT:]

model = NGramLM(vocab.size)
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
losses = []
for step in range(150):
    loss = F.cross_entropy(model(contexts), targets)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

prompt = torch.tensor([vocab.encode("the cat sat".split())])
with torch.no_grad():
    nxt = vocab.itos[model(prompt).argmax(1).item()]
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}; 'the cat sat' -> {nxt!r}")
assert losses[-1] < 0.5 * losses[0]
assert nxt == "on"
print(f"RESULT vocab={len(vocab.itos)} first={losses[0]:.4f} last={losses[-1]:.4f}")
