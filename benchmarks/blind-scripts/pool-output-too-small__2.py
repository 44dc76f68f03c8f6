import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(9)


class TextCNN(nn.Module):
    """Convolutions over word embeddings followed by fixed-size max pooling."""

    def __init__(self, vocab=100, dim=16, n_classes=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, 32, kernel_size=3)
        self.fc = nn.Linear(32, n_classes)

    def forward(self, tokens):
        h = F.relu(self.conv(self.emb(tokens).transpose(1, 2)))
        h = F.max_pool1d(h, kernel_size=8)
        return self.fc(h.max(dim=2).values)


short_texts = torch.randint(0, 100, (12, 6))        # 6 tokens -> 4 after the conv
sentiment = torch.randint(0, 2, (12,))
model = TextCNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(5):
    opt.zero_grad()
    logits = model(short_texts)
    loss = F.cross_entropy(logits, sentiment)
    loss.backward()
    opt.step()
assert logits.shape == (12, 2) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
