"""Project with a small plugin system: user-defined transforms live in their own module."""
import importlib
import os
import sys
import tempfile
import textwrap

import torch

torch.manual_seed(0)

# what the user wrote in transforms_user.py
TRANSFORMS_SRC = textwrap.dedent('''
    import numpy as np
    import torch
    import torch.nn.functional as F


    def normalize(x, mean, std):
        return (x - mean) / std


    def random_crop(img, size):
        h, w = img.shape[-2:]
        top = np.random.randint(0, h - size + 1)
        left = np.random.randint(0, w - size + 1)
        return img[..., top:top + size, left:left + size]


    def add_noise(img, scale=0.05):
        return img + scale * torch.randn_like(img)


    def resize(img, size):
        return F.interpolate(img.unsqueeze(0), size=(size, size), mode="bilinear").squeeze(0)
''')

PIPELINE = [("random_crop", {"size": 24}), ("add_noise", {"scale": 0.1}),
            ("resize", {"size": 32}), ("normalize", {"mean": 0.5, "std": 0.25})]


def load_plugins(folder):
    with open(os.path.join(folder, "transforms_user.py"), "w") as f:
        f.write(TRANSFORMS_SRC)
    sys.path.insert(0, folder)
    return importlib.import_module("transforms_user")


with tempfile.TemporaryDirectory() as tmp:
    plugins = load_plugins(tmp)
    import numpy as np
    np.random.seed(0)
    images = torch.rand(4, 3, 28, 28)
    out = []
    for img in images:
        for name, kwargs in PIPELINE:
            img = getattr(plugins, name)(img, **kwargs)
        out.append(img)
    batch = torch.stack(out)
    print("batch", tuple(batch.shape), f"mean {batch.mean().item():.3f}")
    assert batch.shape == (4, 3, 32, 32) and abs(batch.mean().item()) < 0.5
    sys.path.remove(tmp)
print(f"RESULT batch={tuple(batch.shape)}")
