"""Bag-of-embeddings review classifier with a normalization layer after the embedding."""
import torch
import torch.nn as nn

VOCAB, EMB, SEQ, CLASSES = 500, 32, 20, 3
torch.manual_seed(0)


class ReviewNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMB)
        self.norm = nn.BatchNorm1d(EMB)
        self.head = nn.Linear(EMB, CLASSES)

    def forward(self, tokens):
        h = self.embed(tokens)              # [batch, seq, emb]
        h = self.norm(h)
        return self.head(h.mean(dim=1))


tokens = torch.randint(0, VOCAB, (64, SEQ))
labels = torch.randint(0, CLASSES, (64,))
model = ReviewNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(5):
    opt.zero_grad()
    logits = model(tokens)
    loss = loss_fn(logits, labels)
    loss.backward()
    opt.step()

assert logits.shape == (64, CLASSES)
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
