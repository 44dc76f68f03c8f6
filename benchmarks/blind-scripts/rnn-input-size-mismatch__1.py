"""LSTM sentiment model: embedding size and LSTM input size come from separate constants."""
import torch
import torch.nn as nn

torch.manual_seed(0)
VOCAB, EMBED_DIM, HIDDEN, INPUT_SIZE = 200, 50, 64, 100


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBED_DIM)
        self.lstm = nn.LSTM(INPUT_SIZE, HIDDEN, batch_first=True)
        self.fc = nn.Linear(HIDDEN, 2)

    def forward(self, x):
        out, (h, c) = self.lstm(self.embedding(x))
        return self.fc(h[-1])


reviews = torch.randint(0, VOCAB, (16, 25))
labels = torch.randint(0, 2, (16,))
model = LSTMClassifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    opt.zero_grad()
    logits = model(reviews)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
assert logits.shape == (16, 2) and torch.isfinite(loss)
print(f"RESULT loss={loss.item():.4f}")
