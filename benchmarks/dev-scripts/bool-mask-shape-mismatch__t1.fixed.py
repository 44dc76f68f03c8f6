import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


def seed_all(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class DetectionScores(Dataset):
    """Per-image candidate boxes with a confidence score and a validity flag."""

    def __init__(self, n_images=40, n_boxes=16):
        g = torch.Generator().manual_seed(1)
        self.boxes = torch.rand(n_images, n_boxes, 4, generator=g)
        self.scores = torch.rand(n_images, n_boxes, 1, generator=g)
        self.valid = torch.rand(n_images, n_boxes, generator=g) > 0.2

    def __len__(self):
        return self.boxes.shape[0]

    def __getitem__(self, i):
        return self.boxes[i], self.scores[i], self.valid[i]


def filter_detections(boxes, scores, valid, threshold):
    keep = (scores.squeeze(-1) > threshold) & valid
    kept_boxes = boxes[keep]
    kept_scores = scores.squeeze(-1)[keep]
    return kept_boxes, kept_scores


def evaluate(loader, threshold):
    counts = []
    total_score = 0.0
    for boxes, scores, valid in loader:
        for b in range(boxes.shape[0]):
            kb, ks = filter_detections(boxes[b], scores[b], valid[b], threshold)
            assert kb.shape[-1] == 4
            counts.append(kb.shape[0])
            total_score += ks.sum().item()
    return counts, total_score


def main():
    seed_all(0)
    ds = DetectionScores()
    loader = DataLoader(ds, batch_size=8, shuffle=False)
    counts, total = evaluate(loader, threshold=0.5)
    assert len(counts) == len(ds)
    expected = ((ds.scores.squeeze(-1) > 0.5) & ds.valid).sum().item()
    assert sum(counts) == expected, (sum(counts), expected)
    print(f"RESULT images={len(counts)} kept={sum(counts)} mean_score={total / max(sum(counts), 1):.4f}")


if __name__ == "__main__":
    main()
