"""Keyword-spotting model on raw 1-D audio frames."""
import torch
import torch.nn as nn

CONFIG = {
    "sample_len": 800,
    "channels": [1, 16, 32],
    "kernel": 9,
    "stride": 4,
    "n_keywords": 6,
}


def conv_out_len(length, kernel, stride, padding=0):
    return (length + 2 * padding - kernel) // stride + 1


class KWSNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        layers = []
        length = cfg["sample_len"]
        for c_in, c_out in zip(cfg["channels"][:-1], cfg["channels"][1:]):
            layers += [nn.Conv1d(c_in, c_out, cfg["kernel"], stride=cfg["stride"]), nn.ReLU()]
            length = conv_out_len(length, cfg["kernel"], cfg["stride"])
        self.features = nn.Sequential(*layers)
        self.flat_dim = cfg["channels"][-1] * length
        self.classifier = nn.Linear(self.flat_dim, cfg["n_keywords"])

    def forward(self, wav):
        h = self.features(wav)
        return self.classifier(h.flatten(1))


torch.manual_seed(0)
model = KWSNet(CONFIG)
wav = torch.randn(3, 1, CONFIG["sample_len"])
scores = model(wav)
print("scores", scores.shape)
assert isinstance(model.flat_dim, int)
assert scores.shape == (3, CONFIG["n_keywords"])
print("RESULT keyword model forward ok, flat_dim", model.flat_dim)
