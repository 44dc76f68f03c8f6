"""Fast model loading: build the architecture without allocating weights, then load a checkpoint."""
import os
import tempfile
import torch
import torch.nn as nn

torch.manual_seed(0)


class MLPClassifier(nn.Module):
    def __init__(self, d_in=64, d_hidden=256, n_out=10, depth=4):
        super().__init__()
        layers, d = [], d_in
        for _ in range(depth):
            layers += [nn.Linear(d, d_hidden), nn.LayerNorm(d_hidden), nn.GELU()]
            d = d_hidden
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(d_hidden, n_out)

    def forward(self, x):
        return self.head(self.body(x))


def load_for_inference(ckpt_path, device="cpu"):
    with torch.device("meta"):
        model = MLPClassifier()          # no memory allocated for the weights
    state = torch.load(ckpt_path, map_location=device)
    model.load_state_dict(state, assign=True)  # take the real tensors instead of copying into meta
    return model.eval()


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "mlp.pt")
    trained = MLPClassifier()
    torch.save(trained.state_dict(), path)

    model = load_for_inference(path)
    x = torch.randn(5, 64)
    with torch.no_grad():
        print("predictions:", model(x).argmax(1).tolist())
        assert not any(p.is_meta for p in model.parameters())
        assert torch.equal(model(x), trained.eval()(x))
        print("RESULT predictions", model(x).argmax(1).tolist())
