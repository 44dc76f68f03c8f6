"""Weights trained with an optional projection head loaded into a config that drops it."""
import io
import torch
import torch.nn as nn

torch.manual_seed(0)


class Encoder(nn.Module):
    def __init__(self, use_projection: bool):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(12, 24), nn.ReLU())
        self.proj = nn.Linear(24, 8) if use_projection else None
        self.classifier = nn.Linear(8 if use_projection else 24, 3)

    def forward(self, x):
        h = self.body(x)
        if self.proj is not None:
            h = self.proj(h)
        return self.classifier(h)


TRAIN_CONFIG = {"use_projection": True}
EVAL_CONFIG = {"use_projection": False}
buf = io.BytesIO()
trained = Encoder(**TRAIN_CONFIG)
torch.save(trained.state_dict(), buf)
buf.seek(0)
model = Encoder(**EVAL_CONFIG)
model.load_state_dict(torch.load(buf))
x = torch.randn(4, 12)
assert torch.equal(model(x), trained(x))
print(f"RESULT pred0={int(model(x)[0].argmax())}")
