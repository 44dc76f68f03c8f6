"""Custom classifier that forgets to call the parent constructor."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class SentimentHead(nn.Module):
    def __init__(self, dim=32, n_classes=2, dropout=0.1):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(dim, n_classes)

    def forward(self, h):
        return self.fc(self.dropout(h))


head = SentimentHead()
opt = torch.optim.Adam(head.parameters(), lr=1e-2)
features = torch.randn(40, 32)
labels = torch.randint(0, 2, (40,))
for epoch in range(10):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(head(features), labels)
    loss.backward()
    opt.step()
assert torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
