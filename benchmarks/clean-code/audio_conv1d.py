"""Keyword-spotting style classifier over [batch, time, features] frames.

Frames arrive time-major per sample ([B, T, F], as feature extractors produce
them); they are transposed to [B, F, T] for Conv1d and BatchNorm1d, which
normalise dim 1. The recurrent branch normalises the [B, T, C] sequence with
LayerNorm over the last dim instead, so both common layouts appear correctly.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

N_MELS = 16
N_WORDS = 4


def synthetic_frames(n: int, frames: int, generator: torch.Generator):
    """Each class puts energy into a different band of mel bins, at a random time."""
    labels = torch.randint(0, N_WORDS, (n,), generator=generator)
    x = 0.2 * torch.randn(n, frames, N_MELS, generator=generator)
    starts = torch.randint(0, frames - 8, (n,), generator=generator)
    for i in range(n):
        band = slice(labels[i] * 4, labels[i] * 4 + 4)
        x[i, starts[i]:starts[i] + 8, band] += 1.0
    return x, labels


class ConvFrontend(nn.Module):
    def __init__(self, n_mels: int, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(n_mels, channels, kernel_size=5, padding=2, bias=False)
        self.bn1 = nn.BatchNorm1d(channels)
        self.conv2 = nn.Conv1d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm1d(channels)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x = frames.transpose(1, 2)                      # (B, F, T)
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return x.transpose(1, 2)                        # back to (B, T, C)


class KeywordSpotter(nn.Module):
    def __init__(self, n_mels: int = N_MELS, channels: int = 24, hidden: int = 32) -> None:
        super().__init__()
        self.frontend = ConvFrontend(n_mels, channels)
        self.norm = nn.LayerNorm(channels)
        self.gru = nn.GRU(channels, hidden, batch_first=True)
        self.classifier = nn.Linear(hidden, N_WORDS)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.frontend(frames))
        _, h_n = self.gru(x)                             # h_n: (1, B, hidden)
        return self.classifier(h_n[-1])


def streaming_predict(model: KeywordSpotter, frames: torch.Tensor, window: int) -> list[int]:
    """Classifies overlapping windows of one unbatched recording."""
    model.eval()
    predictions = []
    with torch.no_grad():
        for start in range(0, frames.size(0) - window + 1, window // 2):
            chunk = frames[start:start + window].unsqueeze(0)   # add the batch dim
            predictions.append(int(model(chunk).argmax(1)))
    return predictions


def main() -> None:
    torch.manual_seed(22)
    generator = torch.Generator().manual_seed(22)
    model = KeywordSpotter()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    for step in range(10):
        model.train()
        x, y = synthetic_frames(32, 24, generator)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x, y = synthetic_frames(32, 24, generator)
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"accuracy {acc:.2f}")
    print("windows of one recording:", streaming_predict(model, x[0], window=12))


if __name__ == "__main__":
    main()
