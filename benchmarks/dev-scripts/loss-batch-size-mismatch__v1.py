import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)

HPARAMS = {"seq_len": 20, "n_features": 4, "hidden": 24, "n_classes": 3, "batch_size": 8, "epochs": 3}


class GestureDataset(Dataset):
    """Each sample is a (seq_len, n_features) trajectory with a single gesture label."""

    def __init__(self, n, seq_len, n_features, n_classes, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.y = torch.randint(0, n_classes, (n,), generator=g)
        drift = (self.y.float() - 1.0)[:, None, None] * torch.linspace(0, 1, seq_len)[None, :, None]
        self.x = drift + 0.2 * torch.randn(n, seq_len, n_features, generator=g)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class GestureLSTM(nn.Module):
    def __init__(self, n_features, hidden, n_classes):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True)
        self.dropout = nn.Dropout(0.1)
        self.fc = nn.Linear(hidden, n_classes)
        self.n_classes = n_classes

    def forward(self, x):
        out, _ = self.lstm(x)
        logits = self.fc(self.dropout(out))
        return logits.reshape(-1, self.n_classes)


def run_epoch(model, loader, loss_fn, opt=None):
    training = opt is not None
    model.train(training)
    total, correct, n = 0.0, 0, 0
    with torch.set_grad_enabled(training):
        for x, y in loader:
            logits = model(x)
            loss = loss_fn(logits, y)
            if training:
                opt.zero_grad()
                loss.backward()
                opt.step()
            total += loss.item() * len(y)
            correct += (logits.argmax(-1) == y).sum().item()
            n += len(y)
    return total / n, correct / n


def main():
    hp = HPARAMS
    train = GestureDataset(96, hp["seq_len"], hp["n_features"], hp["n_classes"], seed=0)
    val = GestureDataset(32, hp["seq_len"], hp["n_features"], hp["n_classes"], seed=1)
    train_loader = DataLoader(train, batch_size=hp["batch_size"], shuffle=True,
                              generator=torch.Generator().manual_seed(0))
    val_loader = DataLoader(val, batch_size=hp["batch_size"])
    model = GestureLSTM(hp["n_features"], hp["hidden"], hp["n_classes"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(hp["epochs"]):
        tr_loss, tr_acc = run_epoch(model, train_loader, loss_fn, opt)
        va_loss, va_acc = run_epoch(model, val_loader, loss_fn)
        print(f"epoch {epoch} train {tr_loss:.3f}/{tr_acc:.2f} val {va_loss:.3f}/{va_acc:.2f}")


if __name__ == "__main__":
    main()
