"""Word-level classifier whose vocabulary size is taken from the training split only."""
import torch
import torch.nn as nn

torch.manual_seed(0)

train_text = "the cat sat on the mat the dog ran".split()
test_text = "the bird sat on the dog".split()
vocab = {}
for w in train_text + test_text:
    vocab.setdefault(w, len(vocab))
train_vocab_size = len(set(train_text))


def encode(words):
    return torch.tensor([vocab[w] for w in words])


class BagModel(nn.Module):
    def __init__(self, n_tokens):
        super().__init__()
        self.emb = nn.Embedding(n_tokens, 8)
        self.fc = nn.Linear(8, 2)

    def forward(self, ids):
        return self.fc(self.emb(ids).mean(0, keepdim=True))


model = BagModel(train_vocab_size)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(5):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(encode(train_text)), torch.tensor([1]))
    loss.backward()
    opt.step()
with torch.no_grad():
    test_logits = model(encode(test_text))
assert test_logits.shape == (1, 2)
print(f"RESULT loss={loss.item():.4f} pred={int(test_logits.argmax())}")
