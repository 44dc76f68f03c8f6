import numpy as np
import torch
import torch.nn as nn


def load_frames(n, h=24, w=24):
    rng = np.random.default_rng(42)
    return [rng.random((h, w, 3), dtype=np.float32) for _ in range(n)]


class FrameScorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 8, 5, stride=2), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(-1)


def score_video(model, frames, batch_size=8):
    scores = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(frames), batch_size):
            chunk = frames[start:start + batch_size]
            batch = torch.from_numpy(np.stack(chunk)).permute(0, 3, 1, 2)
            scores.append(model(batch))
    return torch.cat(scores)


torch.manual_seed(0)
frames = load_frames(20)
model = FrameScorer()
scores = score_video(model, frames)
best = int(scores.argmax())
print(f"scored {len(scores)} frames, best frame index {best}")
assert scores.shape == (20,) and torch.isfinite(scores).all()
print(f"RESULT scored {len(scores)} frames, best {best}")
