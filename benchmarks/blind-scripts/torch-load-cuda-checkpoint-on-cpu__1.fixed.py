"""Inference helper that restores weights onto the GPU they were trained on."""
import io
import torch
import torch.nn as nn

torch.manual_seed(0)


def make_model():
    return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1))


trained = make_model()
ckpt_file = io.BytesIO()
torch.save({"weights": trained.state_dict(), "trained_on": "cuda:0"}, ckpt_file)


def load_for_inference(f):
    f.seek(0)
    ckpt = torch.load(f, map_location="cuda:0" if torch.cuda.is_available() else "cpu")
    model = make_model()
    model.load_state_dict(ckpt["weights"])
    return model.eval()


model = load_for_inference(ckpt_file)
x = torch.randn(4, 5)
with torch.no_grad():
    out = model(x)
assert torch.allclose(out, trained(x))
print(f"RESULT out0={out[0].item():.4f}")
