"""Detectors of old torch aliases, of checkpoints read back as something other than what was saved,
and of distributed scripts that cannot start: each fires on its situation in pasted code of several
shapes and stays silent on the correct variant and on look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import findings, lines


def assert_found(detector: str, source: str, line: int, words: list[str]) -> None:
    """The detector fires once on the snippet, at that line, with a message that has these words."""
    found = findings(detector, source)
    assert [f.line for f in found] == [line]
    assert all(word in found[0].message for word in words), found[0].message

# ---- deprecated-torch-alias: nn.init.xavier_uniform, nn.utils.clip_grad_norm, F.upsample ----------


@pytest.mark.parametrize("source, line, words", [
    ("""\
class Decoder(nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        self.conv = nn.Conv2d(channels, 3, 3, padding=1)
        nn.init.xavier_uniform(self.conv.weight)
""", 5, ["nn.init.xavier_uniform(...)", "nn.init.xavier_uniform_", "same arguments"]),
    ("""\
import torch.nn.functional as F

def forward(self, features):
    features = F.upsample(features, scale_factor=2, mode="nearest")
    return self.conv(features)
""", 4, ["F.upsample(...)", "F.interpolate"]),
    ("""\
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm(model.parameters(), max_norm=1.0)
    optimizer.step()
""", 5, ["torch.nn.utils.clip_grad_norm(...)", "torch.nn.utils.clip_grad_norm_"]),
    ("""\
from torch.nn import init

def init_weights(m):
    if isinstance(m, nn.Linear):
        init.kaiming_normal(m.weight, nonlinearity="relu")
        init.constant_(m.bias, 0)
""", 5, ["init.kaiming_normal(...)", "init.kaiming_normal_"]),
    ("""\
import torch
from torch.nn.functional import upsample_bilinear

small = torch.randn(1, 3, 8, 8)
big = upsample_bilinear(small, size=(16, 16))
""", 5, ["upsample_bilinear(...)", "F.interpolate", "mode='bilinear', align_corners=True"]),
])
def test_deprecated_alias_is_found(source, line, words):
    assert_found("deprecated-torch-alias", source, line, words)


@pytest.mark.parametrize("source", [
    """\
nn.init.xavier_uniform_(layer.weight)
nn.init.zeros_(layer.bias)
x = F.interpolate(x, scale_factor=2, mode="nearest")
torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
up = nn.Upsample(scale_factor=2)
""",
    """\
import torch

def upsample(x, factor):            # the user's own function of that name
    return x.repeat_interleave(factor, -1)

def xavier_uniform(t):
    return t

y = upsample(torch.randn(2, 4), 2)
w = xavier_uniform(torch.empty(3, 3))
""",
    """\
y = F.sigmoid(x) + F.tanh(x)        # no longer warns in current releases
z = torch.nn.init.normal_(torch.empty(2, 2), 0.0, 0.02)
""",
])
def test_current_names_are_not_found(source):
    assert lines("deprecated-torch-alias", source) == []


# ---- state-dict-used-as-model: model = torch.load(path) of a state dict, then model.eval() ----------


@pytest.mark.parametrize("source, line, words", [
    ("""\
model = torch.load("weights.pth", map_location="cpu", weights_only=True)
model.eval()
with torch.no_grad():
    print(model(batch).argmax(1))
""", 2, ["model = torch.load(", "weights_only=True", "model.eval()", "load_state_dict"]),
    ("""\
import torch

def export(net, x):
    torch.save(net.state_dict(), "net.pt")
    restored = torch.load("net.pt")
    return restored(x)
""", 6, ["restored(...)", "state dict of net saved at line 4"]),
    ("""\
import torch
CKPT = "checkpoints/last.pth"

for epoch in range(3):
    train_one_epoch(model, opt)
    torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict()}, CKPT)

best = torch.load(CKPT, map_location="cpu")
best.to(device)
""", 9, ["best.to()", "checkpoint dict saved at line 6", "'epoch', 'model', 'optimizer'"]),
])
def test_state_dict_used_as_model_is_found(source, line, words):
    assert_found("state-dict-used-as-model", source, line, words)


@pytest.mark.parametrize("source", [
    """\
model = torch.load("model.pt")         # a whole pickled model, saved elsewhere
model.eval()
""",
    """\
torch.save(model, "full.pt")
loaded = torch.load("full.pt", weights_only=False)
loaded.eval()
""",
    """\
torch.save(net.state_dict(), path)
state = torch.load(path, weights_only=True)
model = Net()
model.load_state_dict(state)
model.eval()
""",
    """\
torch.save(net.state_dict(), "a.pt")
other = torch.load("b.pt")
other.eval()
""",
    """\
model = torch.load(path, weights_only=True)
model = Net()
model.load_state_dict(torch.load(path, weights_only=True))
model.eval()
""",
    """\
torch.serialization.add_safe_globals([Net, nn.Linear])    # weights_only may then unpickle these classes
model = torch.load("net.pt", weights_only=True)
model.eval()
""",
    """\
state = torch.load(path, weights_only=True)
print(state.keys(), len(state))
for name, tensor in state.items():
    print(name, tensor.shape)
""",
])
def test_a_module_or_a_used_state_dict_is_not_found(source):
    assert lines("state-dict-used-as-model", source) == []


# ---- checkpoint-wrapper-into-model: the whole training checkpoint passed to load_state_dict -------


@pytest.mark.parametrize("source, line, words", [
    ("""\
import torch

def save_checkpoint(model, optimizer, epoch):
    torch.save({"epoch": epoch, "state_dict": model.state_dict(),
                "optimizer": optimizer.state_dict()}, "ckpt.pth")

def resume(model):
    model.load_state_dict(torch.load("ckpt.pth"))
""", 8, ["model.load_state_dict(torch.load('ckpt.pth'))", "line 4", '"epoch", "state_dict", "optimizer"',
         '"state_dict" item']),
    ("""\
path = os.path.join(out_dir, "last.pt")
torch.save({"optimizer_state_dict": opt.state_dict(), "model_state_dict": net.state_dict(), "loss": 0.3}, path)
net2 = Net()
checkpoint = torch.load(path, map_location="cpu")
net2.load_state_dict(checkpoint)
""", 5, ["net2.load_state_dict(checkpoint)", '"model_state_dict" item']),
    ("""\
ckpt = torch.load(args.resume, map_location="cpu")
model.load_state_dict(ckpt)
optimizer.load_state_dict(ckpt["optimizer"])
start_epoch = ckpt["epoch"] + 1
""", 2, ["model.load_state_dict(ckpt)", 'line 3 reads "optimizer"']),
])
def test_whole_checkpoint_into_load_state_dict_is_found(source, line, words):
    assert_found("checkpoint-wrapper-into-model", source, line, words)


@pytest.mark.parametrize("source", [
    """\
torch.save({"epoch": 3, "model": model.state_dict()}, "ckpt.pth")
ckpt = torch.load("ckpt.pth")
model.load_state_dict(ckpt["model"])
""",
    """\
torch.save(model.state_dict(), "weights.pth")
model.load_state_dict(torch.load("weights.pth", weights_only=True))
""",
    """\
torch.save({"epoch": 3, "model": model.state_dict()}, "ckpt.pth")
ckpt = torch.load("ckpt.pth")
if "model" in ckpt:
    ckpt = ckpt["model"]
model.load_state_dict(ckpt)
""",
    """\
state = torch.load(path)
model.load_state_dict(state)
print(state["fc.weight"].shape)
""",
    """\
torch.save({"epoch": 1, "model": model.state_dict()}, path)
model.load_state_dict(torch.load(other_path))
""",
    """\
ckpt = torch.load(path)
model.load_state_dict(ckpt, strict=False)      # strict-false-silent-no-load's situation
print(ckpt["epoch"])
""",
    """\
state = torch.load(CKPT, map_location="cpu")
if "model_state_dict" in state:
    model.load_state_dict(state["model_state_dict"])
    opt.load_state_dict(state["optimizer_state_dict"])
else:
    model.load_state_dict(state)               # a bare state dict, in the branch that knows it is one
""",
])
def test_the_weights_item_or_a_bare_state_dict_is_not_found(source):
    assert lines("checkpoint-wrapper-into-model", source) == []


# ---- checkpoint-key-not-saved: ckpt["state_dict"] of a file saved without that key ----------------


@pytest.mark.parametrize("source, line, words", [
    ("""\
torch.save(model.state_dict(), "pretrained.pth")
model = build_model()
ckpt = torch.load("pretrained.pth", map_location="cpu")
model.load_state_dict(ckpt["state_dict"])
""", 4, ["ckpt['state_dict'] raises KeyError", "line 1", "bare state dict of model", "pass ckpt itself"]),
    ("""\
import torch
CKPT = "run/best.pt"

def save(model, opt, epoch):
    torch.save({"epoch": epoch, "model": model.state_dict(), "opt": opt.state_dict()}, CKPT)

def load(model):
    model.load_state_dict(torch.load(CKPT)["model_state_dict"])
""", 8, ["torch.load(CKPT)['model_state_dict'] raises KeyError", "'epoch', 'model', 'opt'",
         "read torch.load(CKPT)['model']"]),
    ("""\
path = tmp / "ckpt.pth"
torch.save({"net": net.state_dict(), "step": step}, path)
state = torch.load(path, weights_only=True)
net.load_state_dict(state["net"])
print("resumed at", state["epoch"])
""", 5, ["state['epoch']", "'net', 'step'"]),
])
def test_key_that_was_not_saved_is_found(source, line, words):
    assert_found("checkpoint-key-not-saved", source, line, words)


@pytest.mark.parametrize("source", [
    """\
torch.save({"epoch": 2, "state_dict": model.state_dict()}, "ckpt.pth")
ckpt = torch.load("ckpt.pth")
model.load_state_dict(ckpt["state_dict"])
""",
    """\
torch.save(model.state_dict(), "w.pth")
ckpt = torch.load("w.pth")
if "state_dict" in ckpt:
    ckpt = ckpt["state_dict"]
model.load_state_dict(ckpt)
""",
    """\
torch.save(model.state_dict(), "w.pth")
ckpt = torch.load("w.pth")
try:
    weights = ckpt["model"]
except KeyError:
    weights = ckpt
""",
    """\
torch.save(model.state_dict(), "w.pth")
ckpt = torch.load("w.pth")
weights = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else ckpt
print(ckpt["model"] if "model" in ckpt else None)
""",
    """\
ckpt = torch.load("downloaded.pth")            # saved by someone else: its layout is unknown here
model.load_state_dict(ckpt["state_dict"])
""",
    """\
state = {"epoch": epoch, "model": model.state_dict()}
state["optimizer"] = opt.state_dict()
torch.save(state, "ckpt.pth")
ckpt = torch.load("ckpt.pth")
opt.load_state_dict(ckpt["optimizer"])
""",
    """\
torch.save(model.state_dict(), "w.pth")
sd = torch.load("w.pth")
print(sd["fc.weight"].shape, sd["weight"].shape)
""",
])
def test_saved_keys_and_unknown_files_are_not_found(source):
    assert lines("checkpoint-key-not-saved", source) == []


# ---- distributed-without-process-group: torch.distributed used, init_process_group never called -----


@pytest.mark.parametrize("source, line, words", [
    ("""\
import torch
import torch.distributed as dist

def is_main_process():
    return dist.get_rank() == 0

model = torch.nn.Linear(4, 2)
if is_main_process():
    torch.save(model.state_dict(), "model.pt")
""", 5, ["dist.get_rank() in is_main_process()", "init_process_group", "Default process group has not been"]),
    ("""\
import os
import torch
from torch.nn.parallel import DistributedDataParallel as DDP

def build():
    return torch.nn.Linear(8, 8)

def main():
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    model = DDP(build().to(local_rank), device_ids=[local_rank])
    return model

if __name__ == "__main__":
    main()
""", 10, ["DDP(...) in main()", "init_process_group"]),
    ("""\
import torch
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

dataset = TensorDataset(torch.randn(64, 3))
sampler = DistributedSampler(dataset, shuffle=True)
loader = DataLoader(dataset, batch_size=8, sampler=sampler)
""", 6, ["DistributedSampler(dataset) without num_replicas and rank"]),
    ("""\
import torch
import torch.distributed as dist

t = torch.ones(3)
dist.all_reduce(t)
print(t / dist.get_world_size())
""", 5, ["dist.all_reduce()", "needs the default process group"]),
    ("""\
import torch
from torch.utils.data import DataLoader, DistributedSampler
from datasets_local import make_test_dataset
from nets import TinyNet

test_set = make_test_dataset()
loader = DataLoader(test_set, batch_size=32, sampler=DistributedSampler(test_set))
net = TinyNet()
""", 7, ["DistributedSampler(test_set) without num_replicas and rank"]),
])
def test_distributed_call_without_process_group_is_found(source, line, words):
    assert_found("distributed-without-process-group", source, line, words)


@pytest.mark.parametrize("source", [
    """\
import os
import torch.distributed as dist

def setup():
    dist.init_process_group("gloo")
    return dist.get_rank()

rank = setup()
""",
    """\
import torch.distributed as dist

def rank():
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0

print(rank())
""",
    """\
import torch
import torch.distributed as dist

def reduce_mean(t):                  # a library helper: the caller has initialised the group
    dist.all_reduce(t)
    return t / dist.get_world_size()
""",
    """\
import torch.distributed as dist
from utils import setup_distributed

setup_distributed()
print(dist.get_rank())
""",
    """\
import torch.distributed as dist
from helpers import prepare, build_model

prepare()
model = build_model()
print(dist.get_rank())
""",
    """\
import torch
from torch.utils.data.distributed import DistributedSampler

sampler = DistributedSampler(torch.arange(10), num_replicas=2, rank=0)
print(list(sampler))
""",
    """\
rank = dist.get_rank()               # a fragment: where the group is made is not shown
print(rank)
""",
])
def test_initialised_guarded_or_partial_code_is_not_found(source):
    assert lines("distributed-without-process-group", source) == []


# ---- local-rank-underscore-only: argparse knows --local_rank, the launcher passes --local-rank --------


@pytest.mark.parametrize("source, line, words", [
    ("""\
import argparse
import torch
import torch.distributed as dist

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--local_rank", type=int, default=0)
args = parser.parse_args()
torch.cuda.set_device(args.local_rank)
dist.init_process_group(backend="nccl")
""", 7, ["parser.add_argument('--local_rank', type=int, default=0)", "--local-rank=N", "LOCAL_RANK"]),
    ("""\
def get_args():
    p = argparse.ArgumentParser(description="DDP training")
    p.add_argument('--local_rank', type=int, required=True)
    return p.parse_args()

args = get_args()
model = DistributedDataParallel(model.cuda(args.local_rank), device_ids=[args.local_rank])
""", 3, ["p.add_argument('--local_rank', type=int, required=True)", "unrecognized arguments"]),
    ("""\
import subprocess
import sys

SCRIPT = '''
import argparse
import torch.distributed as dist
parser = argparse.ArgumentParser()
parser.add_argument("--local_rank", type=int, default=-1)
args = parser.parse_args()
dist.init_process_group("gloo")
'''

def test_launch(tmp_path):
    (tmp_path / "train.py").write_text(SCRIPT)
    subprocess.run([sys.executable, "-m", "torch.distributed.launch", "--nproc-per-node=2",
                    str(tmp_path / "train.py")], check=True)
""", 8, ["'--local_rank'", "torch.distributed.launch"]),
])
def test_underscore_only_local_rank_is_found(source, line, words):
    assert_found("local-rank-underscore-only", source, line, words)


@pytest.mark.parametrize("source", [
    """\
parser.add_argument("--local-rank", "--local_rank", type=int, default=0)
args = parser.parse_args()
dist.init_process_group("nccl")
""",
    """\
parser.add_argument("--local_rank", type=int, default=int(os.environ.get("LOCAL_RANK", 0)))
args = parser.parse_args()
dist.init_process_group("nccl")
""",
    """\
parser.add_argument("--local_rank", type=int, default=0)
args, _ = parser.parse_known_args()
dist.init_process_group("nccl")
""",
    """\
import argparse
parser = argparse.ArgumentParser()           # not a distributed script: just an option of that name
parser.add_argument("--local_rank", type=int, default=0)
args = parser.parse_args()
print(args.local_rank)
""",
    """\
import deepspeed                              # the DeepSpeed launcher passes --local_rank
parser.add_argument("--local_rank", type=int, default=-1)
args = parser.parse_args()
deepspeed.init_distributed()
""",
    """\
parser.add_argument("--local_rank", type=int, default=-1)
args = parser.parse_args()
args.local_rank = int(os.environ["LOCAL_RANK"])
dist.init_process_group("nccl")
""",
])
def test_both_spellings_or_the_environment_are_not_found(source):
    assert lines("local-rank-underscore-only", source) == []


# ---- strict-false-loads-nothing: strict=False between state dicts that share no name ---------------


@pytest.mark.parametrize("source, line, words", [
    ("""\
class Teacher(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(16, 32), nn.ReLU())
        self.classifier = nn.Linear(32, 4)

class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(16, 32), nn.ReLU())
        self.head = nn.Linear(32, 4)
        self.register_buffer("temperature", torch.tensor(2.0))

teacher = Teacher()
student = Student()
student.load_state_dict(teacher.state_dict(), strict=False)
""", 16, ["student.load_state_dict(..., strict=False) loads nothing", "classifier., features. (Teacher())",
          "encoder., head., temperature. (Student())"]),
    ("""\
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 2)

old = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
torch.save(old.state_dict(), "mlp.pt")
new = Net()
new.load_state_dict(torch.load("mlp.pt", weights_only=True), strict=False)
""", 13, ["new.load_state_dict", "0., 1., 2. (nn.Sequential)", "fc1., fc2. (Net())", "random weights"]),
])
def test_strict_false_between_unrelated_names_is_found(source, line, words):
    assert_found("strict-false-loads-nothing", source, line, words)


@pytest.mark.parametrize("source", [
    """\
class Net(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
        self.head = nn.Linear(8, classes)

pretrained = Net(classes=1000)
model = Net(classes=5)
model.load_state_dict(pretrained.state_dict(), strict=False)
""",
    """\
class Pretrain(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(4, 4)
        self.projector = nn.Linear(4, 2)

class Finetune(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(4, 4)
        self.classifier = nn.Linear(4, 3)

model = Finetune()
model.load_state_dict(Pretrain().state_dict(), strict=False)   # the backbone loads: a new head on purpose
""",
    """\
checkpoint = Pretrain().state_dict()
model = make_backbone()
state = {k.removeprefix("backbone."): v for k, v in checkpoint.items()}
model.load_state_dict(state, strict=False)
""",
    """\
def make_backbone():
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU())

class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = make_backbone()

sd = Wrapper().state_dict()
for key in list(sd):
    sd[key.replace("backbone.", "")] = sd.pop(key)
model = make_backbone()
model.load_state_dict(sd, strict=False)
""",
    """\
class Big(Base):                       # names inherited from Base are not known here
    def __init__(self):
        super().__init__()
        self.extra = nn.Linear(2, 2)

small = nn.Sequential(nn.Linear(2, 2))
Big().load_state_dict(small.state_dict(), strict=False)
big = Big()
big.load_state_dict(small.state_dict(), strict=False)
""",
    """\
from collections import OrderedDict
a = nn.Sequential(OrderedDict([("fc", nn.Linear(3, 3))]))
class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
b = Head()
b.load_state_dict(a.state_dict(), strict=False)
""",
    """\
class Old(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)

class New(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 1, 1)

    def _load_from_state_dict(self, state_dict, prefix, *args):     # maps the old names itself
        state_dict[prefix + "stem.weight"] = state_dict.pop(prefix + "conv.weight")
        state_dict[prefix + "stem.bias"] = state_dict.pop(prefix + "conv.bias")
        super()._load_from_state_dict(state_dict, prefix, *args)

new = New()
new.load_state_dict(Old().state_dict(), strict=False)
""",
    """\
model = torchvision.models.resnet18(num_classes=10)
model.load_state_dict(Encoder().state_dict(), strict=False)
""",
    """\
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 6)

model = nn.Sequential(nn.Linear(6, 6))
model.body = nn.Linear(6, 6)           # a name added after the model was built
model.load_state_dict(Encoder().state_dict(), strict=False)
""",
])
def test_strict_false_with_shared_or_unknown_names_is_not_found(source):
    assert lines("strict-false-loads-nothing", source) == []
