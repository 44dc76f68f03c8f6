"""Inference script: classify single spectrograms with a trained CNN."""
import io
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)


class SpecNet(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 12, 3, padding=1), nn.BatchNorm2d(12), nn.ReLU(),
            nn.Conv2d(12, 12, 3, padding=1), nn.BatchNorm2d(12), nn.ReLU(),
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        )
        self.fc = nn.Linear(12, n_classes)

    def forward(self, x):
        return self.fc(self.body(x))


def train_quick():
    net = SpecNet()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(5):
        x = torch.randn(8, 1, 32, 20)
        loss = nn.functional.cross_entropy(net(x), torch.randint(0, 5, (8,)))
        opt.zero_grad(); loss.backward(); opt.step()
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    return buf.getvalue()


def load_spectrogram(i):
    # pretend this came from librosa: (n_mels, frames)
    rng = np.random.default_rng(i)
    return rng.standard_normal((32, 20)).astype(np.float32)


blob = train_quick()
model = SpecNet()
model.load_state_dict(torch.load(io.BytesIO(blob), weights_only=True))
model.eval()

preds = []
with torch.no_grad():
    for i in range(4):
        spec = torch.from_numpy(load_spectrogram(i)).unsqueeze(0)  # add channel dim
        logits = model(spec.unsqueeze(0))  # and a batch dim: (1, 1, 32, 20)
        assert logits.shape == (1, 5)
        preds.append(int(logits.argmax(-1)))
print("predictions:", preds)
with torch.no_grad():
    batch = torch.stack([torch.from_numpy(load_spectrogram(i)) for i in range(4)]).unsqueeze(1)
    assert model(batch).argmax(-1).tolist() == preds
print("RESULT predictions", preds)
