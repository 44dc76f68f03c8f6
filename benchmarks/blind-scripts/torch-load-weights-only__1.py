"""Checkpoint that stores the argparse config next to the weights."""
import argparse
import io
import torch
import torch.nn as nn

torch.manual_seed(0)
parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=24)
args = parser.parse_args([])

model = nn.Sequential(nn.Linear(6, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 1))
buf = io.BytesIO()
torch.save({"args": args, "state_dict": model.state_dict()}, buf)


def restore(f):
    f.seek(0)
    ckpt = torch.load(f)
    cfg = ckpt["args"]
    net = nn.Sequential(nn.Linear(6, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 1))
    net.load_state_dict(ckpt["state_dict"])
    return net


restored = restore(buf)
x = torch.randn(3, 6)
assert torch.equal(restored(x), model(x))
print(f"RESULT out0={restored(x)[0].item():.4f}")
