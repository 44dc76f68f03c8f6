import configparser

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG_TEXT = """
[model]
hidden = 64
dropout = 0.2

[train]
optimizer = adam
lr = 1e-3
epochs = 3
batch_size = 32
"""

config = configparser.ConfigParser()
config.read_string(CONFIG_TEXT)
hidden = config.getint("model", "hidden")
dropout = config.getfloat("model", "dropout")
epochs = config.getint("train", "epochs")
batch_size = config.getint("train", "batch_size")
lr = config.get("train", "lr")


class Classifier(nn.Module):
    def __init__(self, d_in, hidden, n_out, dropout):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, n_out)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.fc1(x))))


torch.manual_seed(0)
X = torch.randn(256, 20)
Y = (X[:, :3].sum(1) > 0).long()
model = Classifier(20, hidden, 2, dropout)
optimizer = torch.optim.Adam(model.parameters(), lr=lr)

for epoch in range(epochs):
    for i in range(0, len(X), batch_size):
        loss = F.cross_entropy(model(X[i:i + batch_size]), Y[i:i + batch_size])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
