import csv
import io
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

# A small tabular dataset kept in a CSV string, as if read from disk.
rows = ["f0,f1,f2,f3,label"]
for i in range(64):
    feats = np.round(np.random.randn(4), 3)
    label = int(feats.sum() > 0)
    rows.append(",".join(str(v) for v in feats) + f",{label}")
CSV_TEXT = "\n".join(rows)


class TabularDataset(Dataset):
    def __init__(self, text):
        reader = csv.DictReader(io.StringIO(text))
        self.records = list(reader)
        self.feature_cols = [c for c in reader.fieldnames if c != "label"]

    def __len__(self):
        return len(self.records)

    def __getitem__(self, idx):
        rec = self.records[idx]
        features = [float(rec[c]) for c in self.feature_cols]
        label = int(rec["label"])
        return features, label


device = torch.device("cpu")
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2)).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
loader = DataLoader(TabularDataset(CSV_TEXT), batch_size=16, shuffle=True)

for epoch in range(2):
    total = 0.0
    for features, labels in loader:
        features, labels = features.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(features), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: loss {total / len(loader):.4f}")
