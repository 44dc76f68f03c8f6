"""Review star-rating classifier: ratings 1..5 from bag-of-words features (notebook cells)."""
# %% imports and seed
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.set_num_threads(1)  # avoid thread oversubscription on small tensors

torch.manual_seed(0)
np.random.seed(0)

# %% fake review table: (bag-of-words vector, stars in 1..5)
VOCAB = 60
NUM_STARS = 5
rng = np.random.default_rng(11)
stars = rng.integers(1, NUM_STARS + 1, size=500)
bow = rng.poisson(0.3, size=(500, VOCAB)).astype(np.float32)
for i, s in enumerate(stars):
    bow[i, (s - 1) * 10:(s - 1) * 10 + 5] += rng.poisson(2.0, size=5)  # star-specific words


# %% dataset
class Reviews(Dataset):
    def __init__(self, bow, stars):
        self.bow = torch.from_numpy(bow)
        self.stars = torch.from_numpy(stars).long()

    def __len__(self):
        return len(self.stars)

    def __getitem__(self, i):
        return self.bow[i], self.stars[i]


train = Reviews(bow[:400], stars[:400])
test = Reviews(bow[400:], stars[400:])
train_loader = DataLoader(train, batch_size=40, shuffle=True, generator=torch.Generator().manual_seed(0))

# %% model
model = nn.Sequential(nn.Linear(VOCAB, 32), nn.ReLU(), nn.Linear(32, NUM_STARS))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

# %% train
for epoch in range(10):
    for x, y in train_loader:
        loss = criterion(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
print("final train loss", round(loss.item(), 4))

# %% evaluate: predicted class k means k+1 stars
with torch.no_grad():
    xs = torch.stack([test[i][0] for i in range(len(test))])
    ys = torch.stack([test[i][1] for i in range(len(test))])
    pred_class = model(xs).argmax(1)
acc = (pred_class == ys).float().mean().item()
print("test accuracy", round(acc, 3))
assert pred_class.max() < NUM_STARS
assert acc > 0.7, acc
print(f"RESULT test_acc={acc:.3f} final_loss={loss.item():.4f}")
