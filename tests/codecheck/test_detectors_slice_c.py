"""Detectors widened for pasted code of the more-entries situations 73-143: each fires on its
situation written in new ways, and stays quiet on the correct look-alike."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- float-layer-size: a width scaled by a float literal is a float ------------------------------


@pytest.mark.parametrize("source, line", [
    ("width = n_inputs * 2.5\nhead = nn.Sequential(nn.Linear(n_inputs, width), nn.Linear(width, 3))\n", 2),
    ("import torch.nn as nn\nclass Enc(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n"
     "        self.conv = nn.Conv2d(c, 0.5 * c, 3)\n", 5),
])
def test_a_size_times_a_float_literal_fires(source, line):
    assert lines("float-layer-size", source)[:1] == [line]


@pytest.mark.parametrize("source", [
    "width = int(n_inputs * 2.5)\nhead = nn.Linear(n_inputs, width)\n",
    "width = n_inputs * 2\nhead = nn.Linear(n_inputs, width)\ndrop = nn.Dropout(0.1 * 2)\n",
    "head = nn.Linear(n_inputs, round(n_inputs * 1.5))\n",
])
def test_an_int_size_or_a_float_argument_that_is_not_a_size_is_quiet(source):
    assert lines("float-layer-size", source) == []


# ---- torch-name-not-imported: a cell that opens with its imports and none of them is torch --------


def test_a_cell_that_opens_with_other_imports_and_uses_torch_fires():
    cell = ("import json\nimport numpy as np\n\nrows = np.load('feats.npy')\nfeats = torch.tensor(rows)\n"
            "meta = json.load(open('m.json'))\n")
    assert lines("torch-name-not-imported", cell) == [5]


@pytest.mark.parametrize("source", [
    "rows = np.load('feats.npy')\nimport json\nfeats = torch.tensor(rows)\n",
    "import numpy as np\nimport torch\nfeats = torch.tensor(np.zeros(3))\n",
    "def load():\n    import numpy as np\n    return torch.tensor(np.zeros(3))\n",
])
def test_a_fragment_that_does_not_open_with_imports_or_imports_torch_is_quiet(source):
    assert lines("torch-name-not-imported", source) == []


# ---- numpy-spelling-on-tensor: a chain on an array the code took out with .numpy() ----------------


def test_numpy_spelling_on_an_array_taken_out_with_numpy_is_quiet():
    source = ("import numpy as np\nimport torch\nscores = torch.softmax(logits, 1)\nscores = scores[0].numpy()\n"
              "labels = scores.argmax(-1).astype(np.int32)\n")
    assert lines("numpy-spelling-on-tensor", source) == []


def test_numpy_spelling_on_the_tensor_before_numpy_still_fires():
    source = ("import numpy as np\nimport torch\nscores = torch.softmax(logits, 1)\narr = scores.numpy()\n"
              "labels = scores.argmax(-1).astype(np.int32)\n")
    assert lines("numpy-spelling-on-tensor", source) == [5]


# ---- dataset-without-getitem: __getitem__ indented into __init__ ----------------------------------


@pytest.mark.parametrize("source, line", [
    ("from torch.utils.data import Dataset\nclass Clips(Dataset):\n    def __init__(self, clips):\n"
     "        self.clips = clips\n        def __len__(self):\n            return len(self.clips)\n"
     "        def __getitem__(self, k):\n            return self.clips[k]\n", 7),
    ("class Triples(data.Dataset):\n    def __init__(self, rows):\n        self.rows = rows\n\n"
     "        def __getitem__(self, k):\n            return self.rows[k]\n", 5),
])
def test_getitem_indented_into_init_fires(source, line):
    assert lines("dataset-without-getitem", source) == [line]


@pytest.mark.parametrize("source", [
    "from torch.utils.data import Dataset\nclass Clips(Dataset):\n    def __init__(self, clips):\n"
    "        self.clips = clips\n        def __getitem__(self, k):\n            return k\n"
    "    def __getitem__(self, k):\n        return self.clips[k]\n",
    "class Clips(Registry):\n    def __init__(self):\n        def __getitem__(self, k):\n            return k\n",
    "from torch.utils.data import Dataset\nclass Clips(Dataset):\n    def __init__(self, clips):\n"
    "        def loader(k):\n            return clips[k]\n        self.load = loader\n"
    "    def __len__(self):\n        return 2\n    def __getitem__(self, k):\n        return self.load(k)\n",
])
def test_a_dataset_with_its_own_getitem_or_not_a_dataset_is_quiet(source):
    assert lines("dataset-without-getitem", source) == []


# ---- trainer-given-base-model: Trainer over a model class without a head --------------------------


@pytest.mark.parametrize("source, line", [
    ("from transformers import AutoModel, Trainer, TrainingArguments\nencoder = AutoModel.from_pretrained('roberta-base')\n"
     "job = Trainer(model=encoder, args=TrainingArguments('runs'), train_dataset=train_split)\njob.train()\n", 3),
    ("import transformers\nfrom transformers import DistilBertModel\n"
     "t = transformers.Trainer(DistilBertModel.from_pretrained('distilbert-base-uncased'), targs, train_dataset=ds)\n", 3),
])
def test_a_trainer_over_a_base_model_fires(source, line):
    assert lines("trainer-given-base-model", source) == [line]


@pytest.mark.parametrize("source", [
    "from transformers import AutoModelForSequenceClassification, Trainer\n"
    "m = AutoModelForSequenceClassification.from_pretrained('roberta-base', num_labels=2)\n"
    "Trainer(model=m, args=a, train_dataset=ds).train()\n",
    "from transformers import AutoModel, Trainer\nm = AutoModel.from_pretrained('roberta-base')\n"
    "Trainer(model=m, args=a, train_dataset=ds, compute_loss_func=contrastive).train()\n",
    "from transformers import AutoModel\nfrom mylib import Trainer\nm = AutoModel.from_pretrained('x')\n"
    "Trainer(model=m).fit()\n",
])
def test_a_trainer_over_a_task_model_or_with_its_own_loss_is_quiet(source):
    assert lines("trainer-given-base-model", source) == []


# ---- graph-cut-before-loss: a loss rebuilt as a new leaf from a detached output -------------------


@pytest.mark.parametrize("source, line", [
    ("for feats, target in batches:\n    pred = net(feats)\n    p = pred.detach().numpy()\n"
     "    penalty = np.square(p - target.numpy()).sum()\n    loss = torch.tensor(penalty, requires_grad=True)\n"
     "    loss.backward()\n    opt.step()\n", 5),
    ("import torch\nimport torch.nn as nn\nreg = nn.Linear(4, 1)\nscore = reg(xs).mean().item()\n"
     "objective = torch.tensor(1.0 - score, requires_grad=True)\nobjective.backward()\n", 5),
])
def test_a_loss_rebuilt_as_a_leaf_from_the_output_fires(source, line):
    assert lines("graph-cut-before-loss", source) == [line]


@pytest.mark.parametrize("source", [
    "pred = net(feats)\nloss = ((pred - target) ** 2).mean()\nloss.backward()\n",
    "w = torch.tensor(np.ones(3), requires_grad=True)\nloss = (w * 2).sum()\nloss.backward()\n",
    "with torch.no_grad():\n    p = net(feats).numpy()\nscale = torch.tensor(p.mean(), requires_grad=True)\n"
    "scale.backward()\n",
])
def test_a_loss_kept_in_torch_or_a_leaf_not_made_from_the_model_is_quiet(source):
    assert lines("graph-cut-before-loss", source) == []


# ---- resume-from-weights-only: a previous run's weights file, loaded before this run saves it ------


def test_weights_resumed_from_the_file_the_loop_saves_fire():
    source = ("import os\nimport torch\nnet = Tiny()\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
              "if os.path.isfile('ckpt/latest.pth'):\n    net.load_state_dict(torch.load('ckpt/latest.pth'))\n"
              "for epoch in range(30):\n    for a, b in batches:\n        opt.zero_grad()\n"
              "        crit(net(a), b).backward()\n        opt.step()\n"
              "    torch.save(net.state_dict(), 'ckpt/latest.pth')\n")
    assert lines("resume-from-weights-only", source) == [6]


@pytest.mark.parametrize("source", [
    "import torch\nnet = Tiny()\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
    "net.load_state_dict(torch.load('pretrained/tiny.pth'))\nfor a, b in batches:\n    opt.zero_grad()\n"
    "    crit(net(a), b).backward()\n    opt.step()\ntorch.save(net.state_dict(), 'ckpt/latest.pth')\n",
    "import os\nimport torch\nnet = Tiny()\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
    "if os.path.isfile('last.pth'):\n    state = torch.load('last.pth')\n    net.load_state_dict(state['net'])\n"
    "    opt.load_state_dict(state['opt'])\nfor a, b in batches:\n    opt.step()\n"
    "torch.save({'net': net.state_dict(), 'opt': opt.state_dict()}, 'last.pth')\n",
])
def test_fine_tuning_from_another_file_or_a_full_resume_is_quiet(source):
    assert lines("resume-from-weights-only", source) == []


# ---- nll-loss-without-log-softmax: a softmax model beside an NLLLoss the paste never calls ---------

SOFTMAX_TAGGER = """\
import torch.nn as nn
import torch.nn.functional as F

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(32, 9)

    def forward(self, h):
        return F.softmax(self.out(h), dim=-1)

tagger = Tagger()
"""


def test_an_uncalled_nll_loss_beside_a_softmax_model_fires():
    assert lines("nll-loss-without-log-softmax", SOFTMAX_TAGGER + "loss_fn = nn.NLLLoss(ignore_index=0)\n") == [13]


@pytest.mark.parametrize("tail", [
    "loss_fn = nn.NLLLoss()\nloss = loss_fn(torch.log(tagger(h)), tags)\n",
    "loss_fn = nn.CrossEntropyLoss()\n",
])
def test_a_called_loss_or_another_loss_beside_a_softmax_model_is_quiet(tail):
    assert lines("nll-loss-without-log-softmax", SOFTMAX_TAGGER + tail) == []


def test_an_uncalled_nll_loss_beside_a_log_softmax_model_is_quiet():
    source = SOFTMAX_TAGGER.replace("F.softmax", "F.log_softmax") + "loss_fn = nn.NLLLoss()\n"
    assert lines("nll-loss-without-log-softmax", source) == []


# ---- torchscript-entry-point: the deprecated torch.jit entry points -------------------------------


def test_torchscript_entry_points_fire():
    source = ("import torch\nfrom torch.jit import trace\nexported = trace(encoder, example)\n"
              "torch.jit.save(exported, 'enc.pt')\n@torch.jit.script\ndef clamp01(v):\n    return v.clamp(0, 1)\n")
    assert lines("torchscript-entry-point", source) == [3, 4, 5]


def test_export_compile_and_torch_save_are_quiet():
    source = ("import torch\nprogram = torch.export.export(encoder, (example,))\ntorch.export.save(program, 'e.pt2')\n"
              "fast = torch.compile(encoder)\ntorch.save(encoder.state_dict(), 'e.pt')\nw = torch.load('e.pt')\n"
              "@torch.jit.ignore\ndef helper(v):\n    return v\n")
    assert lines("torchscript-entry-point", source) == []


# ---- nccl-without-cuda: the nccl backend for a script that never uses a GPU -----------------------

NCCL_WORKER = """\
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

def run(rank, size):
    dist.init_process_group(backend="nccl", rank=rank, world_size=size)
    net = DistributedDataParallel(torch.nn.Linear(6, 2))
    net(torch.ones(3, 6)).mean().backward()
"""


def test_nccl_for_a_cpu_only_script_fires():
    assert lines("nccl-without-cuda", NCCL_WORKER) == [6]


@pytest.mark.parametrize("source", [
    NCCL_WORKER.replace("torch.nn.Linear(6, 2)", "torch.nn.Linear(6, 2).to(rank), device_ids=[rank]"),
    NCCL_WORKER.replace("torch.nn.Linear(6, 2)", "torch.nn.Linear(6, 2).cuda()"),
    NCCL_WORKER.replace('"nccl"', '"gloo"'),
    "import torch.distributed as dist\ndist.init_process_group('nccl')\n",
])
def test_nccl_with_gpu_work_gloo_or_no_work_in_view_is_quiet(source):
    assert lines("nccl-without-cuda", source) == []
