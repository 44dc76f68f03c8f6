"""Evaluation script for a small intent classifier exported as a state_dict in memory."""
import io
import random
from collections import Counter

import numpy as np
from torch import nn
from torch.nn import functional as F

random.seed(0)
np.random.seed(0)

INTENTS = ["greet", "order", "cancel", "refund", "other"]
EMB = 24
VOCAB = 256


class BagOfWordsIntent(nn.Module):
    def __init__(self, vocab, emb, n_cls):
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab, emb, mode="mean")
        self.out = nn.Linear(emb, n_cls)

    def forward(self, tokens, offsets):
        return self.out(self.bag(tokens, offsets))


def make_utterances(n, rng):
    data = []
    for _ in range(n):
        label = rng.randrange(len(INTENTS))
        base = 1 + label * 40
        toks = [rng.randint(base, base + 39) for _ in range(rng.randint(3, 9))]
        data.append((toks, label))
    return data


def to_batch(items):
    flat, offsets, labels = [], [], []
    for toks, lab in items:
        offsets.append(len(flat))
        flat.extend(toks)
        labels.append(lab)
    return torch.tensor(flat), torch.tensor(offsets), torch.tensor(labels)


torch.manual_seed(0)
rng = random.Random(0)
train = make_utterances(300, rng)
test = make_utterances(100, rng)

model = BagOfWordsIntent(VOCAB, EMB, len(INTENTS))
opt = torch.optim.SGD(model.parameters(), lr=0.5)
tok, off, lab = to_batch(train)
for step in range(200):
    loss = F.cross_entropy(model(tok, off), lab)
    opt.zero_grad()
    loss.backward()
    opt.step()

buf = io.BytesIO()
torch.save(model.state_dict(), buf)
buf.seek(0)

# --- evaluation part, as it would run on a fresh process ---
restored = BagOfWordsIntent(VOCAB, EMB, len(INTENTS))
restored.load_state_dict(torch.load(buf, weights_only=True))
restored.eval()
t_tok, t_off, t_lab = to_batch(test)
with torch.no_grad():
    probs = F.softmax(restored(t_tok, t_off), dim=-1)
pred = probs.argmax(-1)
acc = (pred == t_lab).float().mean().item()
per_intent = Counter(INTENTS[i] for i in pred.tolist())
print("predicted intents:", dict(per_intent))

assert probs.shape == (len(test), len(INTENTS))
assert torch.allclose(probs.sum(-1), torch.ones(len(test)))
assert acc > 0.8, acc
print(f"RESULT acc={acc:.3f} final_train_loss={loss.item():.4f}")
