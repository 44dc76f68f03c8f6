"""Predict a 1-5 star rating from review bag-of-words features."""
import csv
import io
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(7)
NUM_CLASSES = 5  # 1..5 stars
VOCAB = 30

# pretend this came from reviews.csv
gen = torch.Generator().manual_seed(7)
rows = ["stars,word_ids"]
for _ in range(40):
    stars = int(torch.randint(1, 6, (1,), generator=gen))
    words = torch.randint(0, VOCAB, (6,), generator=gen).tolist()
    rows.append(f"{stars},{' '.join(map(str, words))}")
CSV_TEXT = "\n".join(rows)


class Reviews(Dataset):
    def __init__(self, text):
        self.items = []
        for rec in csv.DictReader(io.StringIO(text)):
            bow = torch.zeros(VOCAB)
            for w in rec["word_ids"].split():
                bow[int(w)] += 1
            self.items.append((bow, int(rec["stars"])))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        bow, stars = self.items[i]
        return bow, torch.tensor(stars)


loader = DataLoader(Reviews(CSV_TEXT), batch_size=10, shuffle=False)
model = nn.Sequential(nn.Linear(VOCAB, 32), nn.ReLU(), nn.Linear(32, NUM_CLASSES))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()

for epoch in range(3):
    for bow, stars in loader:
        loss = criterion(model(bow), stars)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print("epoch", epoch, "loss", round(loss.item(), 4))
