# eval_checkpoint.py: evaluate a classifier checkpoint on one machine.
# The data loading code was shared with the multi-GPU trainer.
import io

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

torch.manual_seed(0)


def build_loader(dataset, batch_size, shuffle):
    if dist.is_available() and dist.is_initialized():
        sampler = DistributedSampler(dataset, shuffle=shuffle)
        return DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)


def fake_checkpoint():
    net = nn.Sequential(nn.Linear(5, 12), nn.ReLU(), nn.Linear(12, 4))
    buf = io.BytesIO()
    torch.save({"state_dict": net.state_dict(), "classes": 4}, buf)
    buf.seek(0)
    return buf, net


ckpt_buf, reference = fake_checkpoint()
ckpt = torch.load(ckpt_buf, weights_only=True)
model = nn.Sequential(nn.Linear(5, 12), nn.ReLU(), nn.Linear(12, ckpt["classes"]))
model.load_state_dict(ckpt["state_dict"])
model.eval()

val = TensorDataset(torch.randn(50, 5), torch.randint(0, 4, (50,)))
loader = build_loader(val, batch_size=16, shuffle=False)
correct = n = 0
with torch.no_grad():
    for xb, yb in loader:
        correct += (model(xb).argmax(1) == yb).sum().item()
        n += len(yb)
assert n == len(val)
with torch.no_grad():
    assert torch.equal(model(val.tensors[0]), reference(val.tensors[0]))
print(f"RESULT accuracy {correct / n:.3f} on {n} samples")
