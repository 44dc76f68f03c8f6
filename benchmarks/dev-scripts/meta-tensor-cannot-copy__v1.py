import io
import torch
import torch.nn as nn

torch.manual_seed(0)


class ResidualMLP(nn.Module):
    def __init__(self, d_in=32, d_hidden=128, n_blocks=3, n_out=10):
        super().__init__()
        self.inp = nn.Linear(d_in, d_hidden)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(d_hidden), nn.Linear(d_hidden, d_hidden), nn.GELU())
            for _ in range(n_blocks))
        self.norm = nn.LayerNorm(d_hidden)
        self.out = nn.Linear(d_hidden, n_out)

    def forward(self, x):
        h = self.inp(x)
        for blk in self.blocks:
            h = h + blk(h)
        return self.out(self.norm(h))


def save_pretrained(model):
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    return buf


def load_pretrained(buf, device):
    """Skip random init: build on meta, then move and fill with the checkpoint."""
    state = torch.load(buf, map_location=device, weights_only=True)
    with torch.device("meta"):
        model = ResidualMLP()
    model = model.to(device)
    model.load_state_dict(state)
    return model


def main():
    device = torch.device("cpu")
    reference = ResidualMLP().eval()
    ckpt = save_pretrained(reference)

    model = load_pretrained(ckpt, device).eval()
    x = torch.randn(4, 32)
    with torch.no_grad():
        y_ref = reference(x)
        y = model(x)
    print("max abs diff", (y - y_ref).abs().max().item())
    print("params", sum(p.numel() for p in model.parameters()))


if __name__ == "__main__":
    main()
