"""Detectors for data loading, memory, dtype, checkpoint and distributed situations (helper d3): each
fires on its situation written in several ways, and stays quiet on the correct look-alike."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- env-rendezvous-without-launcher: env:// where no launcher set the environment ----------------

SPAWNED = '''\
import torch.distributed as dist
import torch.multiprocessing as mp

def worker(rank, world_size):
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    dist.barrier()

if __name__ == "__main__":
    mp.spawn(worker, args=(4,), nprocs=4)
'''

PROCESS = '''\
from multiprocessing import Process
import torch.distributed as dist

def run(rank):
    dist.init_process_group(backend="gloo", init_method="env://", rank=rank, world_size=2)

procs = [Process(target=run, args=(r,)) for r in range(2)]
for p in procs:
    p.start()
'''

CELL = '''\
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
dist.init_process_group("gloo")
ddp = DistributedDataParallel(net)
ddp.module
'''


@pytest.mark.parametrize("source, line", [(SPAWNED, 5), (PROCESS, 5), (CELL, 3)])
def test_env_rendezvous_in_spawned_workers_or_a_notebook_fires(source, line):
    assert lines("env-rendezvous-without-launcher", source) == [line]


@pytest.mark.parametrize("source", [
    # a script: torchrun may start it, and then the environment is set
    'import torch.distributed as dist\n\ndef main():\n    dist.init_process_group("gloo")\n\n'
    'if __name__ == "__main__":\n    main()\n',
    # the spawning file sets the address itself
    'import os\n' + SPAWNED.replace("if __name__", 'os.environ["MASTER_ADDR"] = "localhost"\n'
                                                   'os.environ["MASTER_PORT"] = "29500"\nif __name__'),
    SPAWNED.replace('"gloo",', '"gloo", init_method="tcp://127.0.0.1:23456",'),
    PROCESS.replace('init_method="env://"', 'init_method=f"file:///tmp/rdzv"'),
    CELL.replace('("gloo")', '("gloo", store=dist.HashStore(), rank=0, world_size=1)'),
    # a cell that tests for a launcher first
    'import os\nimport torch.distributed as dist\nif "RANK" in os.environ:\n    dist.init_process_group("gloo")\n'
    'dist.is_initialized()\n',
    # a spawned function that does not itself initialise the group
    SPAWNED.replace('    dist.init_process_group("gloo", rank=rank, world_size=world_size)\n', '    print(rank)\n')
    + 'def setup():\n    dist.init_process_group("gloo")\n',
])
def test_a_launched_script_or_a_given_rendezvous_is_quiet(source):
    assert lines("env-rendezvous-without-launcher", source) == []


# ---- the abstract run: what the sandbox lacks, and what meta kernels let through ------------------


@pytest.fixture(scope="module")
def run():
    from assistant.sandbox import WarmSandbox

    with WarmSandbox() as box:
        yield box.run_source


def test_a_script_on_env_rendezvous_is_not_decided_by_the_abstract_run(run):
    from assistant.repair.abstract_run import run_abstractly

    script = ('import torch\nimport torch.distributed as dist\n\ndef main():\n    dist.init_process_group("gloo")\n'
              '    print(torch.ones(2).sum())\n\nif __name__ == "__main__":\n    main()\n')
    assert run_abstractly(script, run).raised is None


@pytest.mark.parametrize("source, line", [
    ("import torch\nsteps = torch.randint(0, 1000, (8,))\nsteps *= 1.0 / 1000\n", 3),
    ("import torch\nimport torch.nn as nn\n\nclass Scale(nn.Module):\n    def forward(self, ids):\n"
     "        ids.mul_(0.5)\n        return ids\n\nprint(Scale()(torch.arange(6)))\n", 6),
    ("import torch\nlabels = torch.tensor([0, 1, 1, 3])\nlabels += 0.5\n", 3),
])
def test_a_float_number_written_into_an_integer_tensor_in_place_raises_as_on_the_cpu(run, source, line):
    from assistant.repair.abstract_run import abstract_error

    error = abstract_error(source, run)
    assert error is not None and error.message == "result type Float can't be cast to the desired output type Long"
    assert error.line == line


@pytest.mark.parametrize("source", [
    "import torch\nsteps = torch.randint(0, 1000, (8,))\nsteps = steps * (1.0 / 1000)\n",
    "import torch\nids = torch.zeros(4, dtype=torch.long)\nids.fill_(0.5)\nids *= 2\n",
    "import torch\nx = torch.ones(3)\nx *= 0.5\nx.clamp_(min=0.1)\n",
])
def test_in_place_updates_the_cpu_accepts_raise_nothing(run, source):
    from assistant.repair.abstract_run import abstract_error

    assert abstract_error(source, run) is None


# ---- lightning-state-dict-non-strict: a Lightning checkpoint's keys into the plain network ---------

LIT_LOGS = '''\
import torch
from models import UNet

state = torch.load("runs/lightning_logs/version_0/checkpoints/last.ckpt", map_location="cpu")
unet = UNet(in_channels=3)
unet.load_state_dict(state["state_dict"], strict=False)
'''

LIT_EPOCH = '''\
import torch
import torch.nn as nn

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)

def restore():
    tagger = Tagger()
    ckpt = torch.load("checkpoints/epoch=7-step=1200.ckpt")
    tagger.load_state_dict(ckpt["state_dict"], strict=False)
    return tagger
'''

LIT_IMPORTED = '''\
import lightning as L
import torch
from nets import ResNet18

ckpt = torch.load("best.ckpt")
backbone = ResNet18()
backbone.load_state_dict(ckpt["state_dict"], strict=False)
'''


@pytest.mark.parametrize("source, line", [(LIT_LOGS, 6), (LIT_EPOCH, 12)])
def test_a_lightning_checkpoint_loaded_non_strict_into_the_plain_network_fires(source, line):
    assert lines("lightning-state-dict-non-strict", source) == [line]


def test_a_ckpt_file_in_code_that_imports_lightning_fires():
    assert lines("lightning-state-dict-non-strict", LIT_IMPORTED) == [7]


@pytest.mark.parametrize("source", [
    LIT_LOGS.replace(", strict=False", ""),  # strict: a mismatch raises, it is not silent
    # the keys are renamed first
    LIT_LOGS.replace('state["state_dict"], strict=False',
                     '{k.removeprefix("model."): v for k, v in state["state_dict"].items()}, strict=False'),
    LIT_EPOCH.replace("class Tagger(nn.Module)", "class Tagger(L.LightningModule)").replace(
        "import torch.nn as nn", "import torch.nn as nn\nimport lightning as L"),  # its own keys
    LIT_LOGS.replace("from models import UNet", "from lightning_modules import UNet").replace(
        "unet = UNet(", "unet = UNet.load_from_checkpoint("),
    # a plain .ckpt the user wrote, in code that never touches Lightning
    LIT_LOGS.replace("runs/lightning_logs/version_0/checkpoints/last.ckpt", "weights/best.ckpt"),
    # the file saves that checkpoint itself
    'import torch\nnet = Net()\ntorch.save({"state_dict": net.state_dict()}, "epoch=3.ckpt")\n'
    'ckpt = torch.load("epoch=3.ckpt")\nnet.load_state_dict(ckpt["state_dict"], strict=False)\n',
    # the Lightning class itself, imported from the Lightning package
    LIT_LOGS.replace("from models import UNet", "from pytorch_lightning import LightningModule as UNet"),
])
def test_a_strict_renamed_own_or_non_lightning_load_is_quiet(source):
    assert lines("lightning-state-dict-non-strict", source) == []


# ---- inplace-float-on-integer: the dtype a comment declares, and a divided operand ---------------


@pytest.mark.parametrize("source", [
    # the comment on the binding line opens with the dtype, followed through a dtype-keeping method
    "def load(path):\n    frame = torch.from_numpy(read_png(path))   # uint8 [H, W, 3]\n"
    "    frame = frame.permute(2, 0, 1).contiguous()\n    frame /= 255\n    return frame\n",
    # named in the comment
    "ids = tokenizer_output['input_ids']  # ids: int64 [B, T]\nids *= 0.5\n",
    # a parameter declared on its def line
    "def embed(self, t, scale):  # t: LongTensor [B]\n    t.mul_(0.25)\n    return t\n",
    # a true division is a float whatever it divides
    "steps = torch.randint(0, 1000, (8,))\nsteps *= 1.0 / total_steps\n",
])
def test_an_integer_tensor_declared_in_a_comment_or_a_divided_operand_fires(source):
    updated = next(i for i, text in enumerate(source.splitlines(), 1) if "/=" in text or "*=" in text or "mul_" in text)
    assert lines("inplace-float-on-integer", source) == [updated]


@pytest.mark.parametrize("source", [
    # a comment that mentions the dtype in passing, or of another name
    "frame = torch.from_numpy(read_png(path))   # converted from uint8 below\nframe /= 255\n",
    "frame = torch.from_numpy(read_png(path))   # mask: uint8 [H, W]\nframe /= 255\n",
    # the binding converts: the comment speaks of the data before
    "frame = torch.from_numpy(read_png(path)).to(dtype)   # uint8 [H, W, 3]\nframe /= 255\n",
    # a parameter whose comment names another parameter, or that the function rebinds
    "def embed(self, t, scale):  # scale: LongTensor [B]\n    t.mul_(0.25)\n    return t\n",
    "def embed(self, t):  # t: LongTensor [B]\n    t = t.float()\n    t *= 0.25\n    return t\n",
    # integer updates of an integer tensor
    "steps = torch.randint(0, 1000, (8,))\nsteps *= total_steps // 4\nsteps += 1\n",
    "counts = torch.from_numpy(hist)   # int64 [K]\ncounts += 1\n",
])
def test_an_undeclared_converted_or_integer_update_is_quiet(source):
    assert lines("inplace-float-on-integer", source) == []


# ---- result-beyond-memory: one CPU tensor of terabytes, from sizes written or declared ---------------


@pytest.mark.parametrize("source, line", [
    # a column minus a flat vector, sizes declared on the binding lines
    ("scores = torch.cat(all_scores)        # [2000000, 1]\nlabels = torch.cat(all_labels)   # [2000000]\n"
     "err = (scores - labels) ** 2\n", 3),
    # sizes from an int constant, through a Linear and a reduction
    ("import torch.nn as nn\nROWS = 800_000\nfeats = torch.rand(ROWS, 6)\nhead = nn.Linear(6, 1)\n"
     "goal = feats.mean(dim=1)\nresidual = head(feats) - goal\n", 6),
    # an all-pairs similarity, its size declared on the line above
    ("# vecs: [900_000, 256] sentence embeddings\nvecs = torch.from_numpy(np.load('v.npy'))\n"
     "vecs = F.normalize(vecs, dim=-1)\nsims = vecs @ vecs.T\n", 4),
    # cdist of two declared sets
    ("queries = load_queries()   # [600000, 64]\nkeys = load_keys()   # [700000, 64]\n"
     "d = torch.cdist(queries, keys)\n", 3),
])
def test_a_tensor_of_terabytes_fires(source, line):
    assert lines("result-beyond-memory", source) == [line]


@pytest.mark.parametrize("source", [
    # the same shapes, made to agree
    "scores = torch.cat(all_scores)        # [2000000, 1]\nlabels = torch.cat(all_labels)   # [2000000]\n"
    "err = (scores.squeeze(1) - labels) ** 2\n",
    # small enough to fit
    "scores = torch.cat(all_scores)        # [20000, 1]\nlabels = torch.cat(all_labels)   # [20000]\n"
    "err = (scores - labels) ** 2\n",
    # on a GPU it fails otherwise (CUDA out of memory), not in the CPU allocator
    "# vecs: [900_000, 256]\nvecs = torch.from_numpy(np.load('v.npy')).cuda()\nsims = vecs @ vecs.T\n",
    # a chunked similarity
    "# vecs: [900_000, 256]\nvecs = torch.from_numpy(np.load('v.npy'))\n"
    "for chunk in vecs.split(4096):\n    top = (chunk @ vecs.T).topk(10, dim=1)\n",
    # symbolic sizes, or a comment about another name
    "scores = torch.cat(all_scores)        # [N, 1]\nlabels = torch.cat(all_labels)   # [N]\nerr = scores - labels\n",
    "# other: [900_000, 256]\nvecs = torch.from_numpy(np.load('v.npy'))\nsims = vecs @ vecs.T\n",
    # rebound in between by something that changes the shape
    "scores = torch.cat(all_scores)        # [2000000, 1]\nscores = scores.view(-1)\n"
    "labels = torch.cat(all_labels)   # [2000000]\nerr = scores - labels\n",
    # a loop variable read in a function: its value is unknown, and has no line of its own
    "for step in range(3):\n    pass\n\ndef decay():\n    return step * torch.ones(2)\n",
])
def test_fitting_agreeing_gpu_chunked_or_unknown_sizes_are_quiet(source):
    assert lines("result-beyond-memory", source) == []


# ---- only-torch-seeded: a reproducible run that draws from an unseeded NumPy or random generator ---

SPLIT = '''\
import random
import torch

torch.manual_seed(42)
files = sorted(glob.glob("data/*.png"))
random.shuffle(files)
train, val = files[:800], files[800:]
'''

NOISY = '''\
import numpy as np
import torch
from torch.utils.data import Dataset

class Noisy(Dataset):
    def __init__(self, n):
        self.x = np.random.normal(size=(n, 4)).astype("float32")

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i])

def main():
    torch.random.manual_seed(0)
    ds = Noisy(100)
'''


@pytest.mark.parametrize("source, line", [(SPLIT, 6), (NOISY, 7)])
def test_a_torch_seeded_run_drawing_from_an_unseeded_generator_fires(source, line):
    assert lines("only-torch-seeded", source) == [line]


@pytest.mark.parametrize("source", [
    SPLIT.replace("torch.manual_seed(42)", "torch.manual_seed(42)\nrandom.seed(42)"),
    NOISY.replace("torch.random.manual_seed(0)", "torch.random.manual_seed(0)\n    np.random.seed(0)"),
    SPLIT.replace("torch.manual_seed(42)", "pl.seed_everything(42)\ntorch.manual_seed(42)"),
    # a Generator of its own, seeded
    NOISY.replace("np.random.normal(size=(n, 4))", "np.random.default_rng(0).normal(size=(n, 4))"),
    # draws in __getitem__: the DataLoader workers seed NumPy and random from torch's generator
    NOISY.replace("return torch.from_numpy(self.x[i])", "return torch.from_numpy(self.x[i] + np.random.rand(4))")
    .replace("np.random.normal(size=(n, 4))", "np.zeros((n, 4))"),
    # no torch seed: the code does not ask for a reproducible run
    SPLIT.replace("torch.manual_seed(42)\n", ""),
])
def test_a_seeded_own_generator_getitem_or_unseeded_run_is_quiet(source):
    assert lines("only-torch-seeded", source) == []


# ---- cuda-dataset-in-workers: a Dataset of CUDA tensors served by forked workers -----------------

GPU_TABLE = '''\
import torch
from torch.utils.data import DataLoader, Dataset

dev = "cuda" if torch.cuda.is_available() else "cpu"

class GpuTable(Dataset):
    def __init__(self, rows):
        self.rows = torch.as_tensor(rows).to(dev)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]

train_dl = DataLoader(GpuTable(table), batch_size=64, num_workers=2)
'''

CUDA_CALL = '''\
class Clips(torch.utils.data.Dataset):
    def __init__(self, clips, labels):
        self.clips = clips.cuda()
        self.labels = labels

    def __getitem__(self, i):
        return self.clips[i], self.labels[i]

ds = Clips(all_clips, all_labels)
loader = DataLoader(ds, batch_size=8, shuffle=True, num_workers=6, pin_memory=False)
'''


@pytest.mark.parametrize("source, line", [(GPU_TABLE, 16), (CUDA_CALL, 10)])
def test_a_dataset_of_cuda_tensors_under_worker_processes_fires(source, line):
    assert lines("cuda-dataset-in-workers", source) == [line]


@pytest.mark.parametrize("source", [
    GPU_TABLE.replace("num_workers=2", "num_workers=0"),
    GPU_TABLE.replace(".to(dev)", ""),  # kept on the CPU
    GPU_TABLE.replace('dev = "cuda" if torch.cuda.is_available() else "cpu"', 'dev = "cpu"'),
    GPU_TABLE.replace("num_workers=2", "num_workers=2, multiprocessing_context='spawn'"),
    CUDA_CALL.replace("self.clips = clips.cuda()", "self.clips = clips"),
    # workers given by a variable: their number is not known here
    CUDA_CALL.replace("num_workers=6", "num_workers=args.workers"),
])
def test_cpu_datasets_no_workers_or_spawned_workers_are_quiet(source):
    assert lines("cuda-dataset-in-workers", source) == []


# ---- hdf5-handle-in-forked-workers: one HDF5 / LMDB handle opened in __init__, read by workers ------

VOLUMES = '''\
import h5py
import torch
from torch.utils.data import DataLoader, Dataset

class Volumes(Dataset):
    def __init__(self, path):
        self.path = path
        self.file = h5py.File(path, "r")

    def __len__(self):
        return len(self.file["x"])

    def __getitem__(self, i):
        return torch.from_numpy(self.file["x"][i])

dl = DataLoader(Volumes("vol.h5"), batch_size=4, num_workers=8)
'''

LMDB_PAGES = '''\
import lmdb

class Pages(torch.utils.data.Dataset):
    def __init__(self, root):
        self.env = lmdb.open(root, readonly=True, lock=False)

    def __getitem__(self, i):
        with self.env.begin() as txn:
            return txn.get(str(i).encode())

pages = Pages("pages.lmdb")
loader = DataLoader(pages, batch_size=16, num_workers=4, shuffle=True)
'''


@pytest.mark.parametrize("source, line", [(VOLUMES, 16), (LMDB_PAGES, 12)])
def test_a_handle_opened_in_init_and_read_by_forked_workers_fires(source, line):
    assert lines("hdf5-handle-in-forked-workers", source) == [line]


@pytest.mark.parametrize("source", [
    VOLUMES.replace("num_workers=8", "num_workers=0"),
    # opened lazily, once per worker
    VOLUMES.replace('        self.file = h5py.File(path, "r")\n', "        self.file = None\n").replace(
        '        return torch.from_numpy(self.file["x"][i])',
        '        if self.file is None:\n            self.file = h5py.File(self.path, "r")\n'
        '        return torch.from_numpy(self.file["x"][i])'),
    VOLUMES.replace("num_workers=8", "num_workers=8, worker_init_fn=reopen"),
    VOLUMES.replace("    def __len__", "    def __getstate__(self):\n        return {'path': self.path}\n\n"
                    "    def __len__"),
    LMDB_PAGES.replace("shuffle=True", "shuffle=True, multiprocessing_context='spawn'"),
])
def test_lazily_opened_reopened_or_spawned_handles_are_quiet(source):
    assert lines("hdf5-handle-in-forked-workers", source) == []


# ---- ddp-model-on-default-gpu: a bare .cuda() model given device_ids=[rank] -----------------------

RANKED = '''\
import os
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

def setup(net):
    rank = int(os.environ["LOCAL_RANK"])
    dist.init_process_group("nccl")
    net = net.cuda()
    return DistributedDataParallel(net, device_ids=[rank], output_device=rank)
'''


@pytest.mark.parametrize("source, line", [
    (RANKED, 10),
    ("gpu = args.local_rank\nencoder = Encoder().to('cuda')\nencoder = DDP(encoder, device_ids=[gpu])\n", 3),
])
def test_a_default_gpu_model_given_a_rank_device_fires(source, line):
    assert lines("ddp-model-on-default-gpu", source) == [line]


@pytest.mark.parametrize("source", [
    RANKED.replace('    dist.init_process_group("nccl")\n', '    dist.init_process_group("nccl")\n'
                   "    torch.cuda.set_device(rank)\n"),
    RANKED.replace("net = net.cuda()", "net = net.cuda(rank)"),
    RANKED.replace("net = net.cuda()", "net = net.to(rank)"),
    RANKED.replace("device_ids=[rank], output_device=rank", "device_ids=[0]"),
    "os.environ['CUDA_VISIBLE_DEVICES'] = str(rank)\nmodel = Net().cuda()\nmodel = DDP(model, device_ids=[rank])\n",
])
def test_a_selected_or_explicit_gpu_is_quiet(source):
    assert lines("ddp-model-on-default-gpu", source) == []


# ---- keepdim-mask-as-index: a mask that kept its reduced dim, used alone as an index ----------------


@pytest.mark.parametrize("source, line", [
    ("valid = boxes.abs().sum(dim=-1, keepdim=True) != 0\nboxes = boxes[valid]\n", 2),
    ("def keep_rows(scores, thresh):\n    hit = scores.amax(1, keepdim=True) > thresh\n    return scores[hit], hit\n", 3),
    ("tagged = 0 < labels.any(dim=1, keepdim=True)\nprint(labels[tagged].shape)\n", 2),
])
def test_a_keepdim_reduction_mask_used_as_an_index_fires(source, line):
    assert lines("keepdim-mask-as-index", source) == [line]


@pytest.mark.parametrize("source", [
    "valid = boxes.abs().sum(dim=-1) != 0\nboxes = boxes[valid]\n",  # no keepdim: a [N] mask of rows
    # another tensor, which may have size 1 on that dim ([N, 1] targets)
    "tagged = feats.norm(dim=1, keepdim=True) > 0\ntargets = targets[tagged]\n",
    # keepdim for broadcasting, not indexing
    "big = scores.amax(1, keepdim=True) > 0.5\nscores = scores * big\n",
    "hit = scores.amax(1, keepdim=True) > 0.5\nscores = scores[hit.squeeze(1)]\n",
    "hit = scores.amax(1, keepdim=True) > 0.5\nscores = torch.where(hit, scores, 0.0)\n",
    # assigned through the mask (torch.where-like use elsewhere), or a mask rebound in a branch
    "m = x.sum(1, keepdim=True) > 0\nif flat:\n    m = m.squeeze(1)\ny = x[m]\n",
])
def test_masks_without_keepdim_or_used_otherwise_are_quiet(source):
    assert lines("keepdim-mask-as-index", source) == []
