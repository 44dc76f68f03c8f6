import io
import csv
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)

RAW = io.StringIO()
writer = csv.writer(RAW)
writer.writerow(["f1", "f2", "f3", "f4", "rating"])
g = torch.Generator().manual_seed(0)
for _ in range(250):
    feats = torch.randn(4, generator=g)
    score = feats[0] * 1.5 + feats[1] - 0.5 * feats[2]
    rating = int(torch.clamp(torch.round(score + 3), 1, 5).item())
    writer.writerow([f"{v:.4f}" for v in feats.tolist()] + [rating])
RAW.seek(0)

NUM_CLASSES = 5


def load_table(fh):
    reader = csv.DictReader(fh)
    xs, ys = [], []
    for row in reader:
        xs.append([float(row[k]) for k in ("f1", "f2", "f3", "f4")])
        ys.append(int(row["rating"]))
    return torch.tensor(xs), torch.tensor(ys, dtype=torch.long)


class RatingModel(nn.Module):
    def __init__(self, n_in, n_classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, n_classes))

    def forward(self, x):
        return self.body(x)


def main():
    x, y = load_table(RAW)
    loader = DataLoader(TensorDataset(x, y), batch_size=25, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model = RatingModel(4, NUM_CLASSES)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(15):
        model.train()
        running = 0.0
        for xb, yb in loader:
            logits = model(xb)
            loss = criterion(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
        if epoch % 5 == 0:
            print(f"epoch {epoch} loss {running / len(loader):.4f}")
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    assert y.min().item() >= 0 and y.max().item() < NUM_CLASSES
    assert torch.isfinite(torch.tensor(running))
    assert acc > 0.6, acc
    print(f"RESULT train_acc={acc:.3f}")


if __name__ == "__main__":
    main()
