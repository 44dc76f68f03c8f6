# segmentation inference on a single image: save a per-pixel class map
import os
import tempfile
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(6)
N_CLASSES = 3


def make_model():
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, N_CLASSES, 1),
    )


def predict_mask(model, image):
    """image: float tensor (3, H, W). Returns an (H, W) uint8 class map and per-pixel probs."""
    model.eval()
    with torch.no_grad():
        logits = model(image)
        probs = logits.softmax(dim=1).permute(0, 2, 3, 1)   # (B, H, W, C) for numpy
    probs = probs[0].numpy()
    return probs.argmax(-1).astype(np.uint8), probs


with tempfile.TemporaryDirectory() as tmp:
    weights = os.path.join(tmp, "seg.pt")
    torch.save(make_model().state_dict(), weights)

    model = make_model()
    model.load_state_dict(torch.load(weights, weights_only=True))
    image = torch.rand(3, 48, 64)
    mask, probs = predict_mask(model, image)
    np.save(os.path.join(tmp, "mask.npy"), mask)
    print("mask", mask.shape, "classes present:", np.unique(mask))
