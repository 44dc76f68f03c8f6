"""Inference on frames decoded the OpenCV way (BGR, HWC uint8), converted for a PyTorch model."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def fake_video_frames(n=3, h=24, w=32):
    """Stand-in for cv2.VideoCapture.read(): BGR uint8 frames."""
    frames = []
    for i in range(n):
        frame = np.zeros((h, w, 3), dtype=np.uint8)
        frame[..., 0] = 40 * i          # blue channel
        frame[..., 2] = 255 - 40 * i    # red channel
        frame[h // 4: h // 2, w // 4: w // 2, 1] = 200
        frames.append(frame)
    return frames


def preprocess(frame_bgr):
    rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
    x = torch.from_numpy(rgb).permute(2, 0, 1).float() / 255.0
    return (x - torch.from_numpy(MEAN)[:, None, None]) / torch.from_numpy(STD)[:, None, None]


class FrameClassifier(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(16, n_classes)

    def forward(self, x):
        return self.fc(self.body(x))


model = FrameClassifier().eval()
batch = torch.stack([preprocess(f) for f in fake_video_frames()])
with torch.no_grad():
    probs = model(batch).softmax(-1)
print("predicted classes per frame:", probs.argmax(-1).tolist())
red_first = batch[0, 0] * STD[0] + MEAN[0]
assert batch.shape == (3, 3, 24, 32) and torch.allclose(red_first, torch.ones_like(red_first), atol=1e-5)
print(f"RESULT batch={tuple(batch.shape)} classes={probs.argmax(-1).tolist()}")
