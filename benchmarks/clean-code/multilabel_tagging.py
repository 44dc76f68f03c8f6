"""Multi-label classification: each sample may carry several of eight tags.

Targets are float multi-hot vectors of shape [N, tags], the same shape as the
logits, so BCEWithLogitsLoss applies per tag; pos_weight compensates rare tags.
Thresholds are tuned per tag on validation data and micro-F1 is reported.
"""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

N_TAGS = 8
N_FEATURES = 20


def make_multilabel(n: int, generator: torch.Generator) -> TensorDataset:
    x = torch.randn(n, N_FEATURES, generator=generator)
    projection = torch.randn(N_FEATURES, N_TAGS, generator=generator)
    bias = torch.linspace(-2.0, 0.5, N_TAGS)          # later tags are more common
    targets = (x @ projection / 3 + bias > 0).float()
    return TensorDataset(x, targets)


class TagModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(N_FEATURES, 64), nn.ReLU(), nn.Dropout(0.1))
        self.tags = nn.Linear(64, N_TAGS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tags(self.body(x))


def positive_weights(targets: torch.Tensor) -> torch.Tensor:
    positives = targets.sum(0).clamp(min=1.0)
    negatives = targets.size(0) - positives
    return negatives / positives


def micro_f1(predicted: torch.Tensor, targets: torch.Tensor) -> float:
    tp = (predicted * targets).sum()
    fp = (predicted * (1 - targets)).sum()
    fn = ((1 - predicted) * targets).sum()
    return (2 * tp / (2 * tp + fp + fn).clamp(min=1.0)).item()


def tune_thresholds(probs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-tag threshold that maximises that tag's F1 on the given data."""
    candidates = torch.linspace(0.1, 0.9, 17)
    best = torch.full((N_TAGS,), 0.5)
    for tag in range(N_TAGS):
        scores = [micro_f1((probs[:, tag] > t).float(), targets[:, tag]) for t in candidates]
        best[tag] = candidates[int(torch.tensor(scores).argmax())]
    return best


@torch.no_grad()
def predict_probs(model: nn.Module, loader: DataLoader):
    model.eval()
    probs, targets = [], []
    for x, y in loader:
        probs.append(torch.sigmoid(model(x)))
        targets.append(y)
    return torch.cat(probs), torch.cat(targets)


def main() -> None:
    torch.manual_seed(20)
    generator = torch.Generator().manual_seed(20)
    train_ds, val_ds = make_multilabel(800, generator), make_multilabel(200, generator)
    train = DataLoader(train_ds, batch_size=64, shuffle=True)
    val = DataLoader(val_ds, batch_size=200)

    model = TagModel()
    criterion = nn.BCEWithLogitsLoss(pos_weight=positive_weights(train_ds.tensors[1]))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(5):
        model.train()
        epoch_loss = 0.0
        for features, tags in train:
            logits = model(features)
            loss = criterion(logits, tags)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item() * len(tags)
        print(f"epoch {epoch}: train loss {epoch_loss / len(train_ds):.4f}")

    probs, targets = predict_probs(model, val)
    default = micro_f1((probs > 0.5).float(), targets)
    thresholds = tune_thresholds(probs, targets)
    tuned = micro_f1((probs > thresholds).float(), targets)
    print(f"micro-F1 at 0.5: {default:.3f}, with per-tag thresholds: {tuned:.3f}")
    print("thresholds:", [round(t, 2) for t in thresholds.tolist()])


if __name__ == "__main__":
    main()
