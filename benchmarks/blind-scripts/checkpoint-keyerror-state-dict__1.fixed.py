"""Loading published weights (a bare state_dict) with code written for our own checkpoints."""
import io
import torch
import torch.nn as nn

torch.manual_seed(0)


def make_model():
    return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 2))


published = io.BytesIO()
reference = make_model()
torch.save(reference.state_dict(), published)


def load_pretrained(f):
    f.seek(0)
    ckpt = torch.load(f)
    model = make_model()
    model.load_state_dict(ckpt.get("state_dict", ckpt))
    return model


model = load_pretrained(published)
x = torch.randn(3, 6)
assert torch.equal(model(x), reference(x))
print(f"RESULT out={model(x)[0, 0].item():.4f}")
