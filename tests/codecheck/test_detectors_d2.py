"""Detectors of the d2 slice (losses, autograd, construction, checkpoints, cuda, distributed): each
fires on its situation written in several ways, and stays quiet on the correct look-alike."""

from __future__ import annotations

import pytest

import ast
from collections.abc import Iterator

from assistant.answering.code_query import detect
from assistant.repair.abstract_run import abstract_error
from assistant.repair.harness import unpacked_rank
from assistant.sandbox import WarmSandbox
from tests.codecheck.lines import lines

# ---- ecosystem-import-moved: a Lightning / transformers / hub / diffusers name that moved ---------


@pytest.mark.parametrize("source, line", [
    ("import torch\nfrom transformers import AdamW, get_linear_schedule_with_warmup\n"
     "opt = AdamW(model.parameters(), lr=2e-5)\n", 2),
    ("from huggingface_hub import hf_hub_download, cached_download\npath = cached_download(url)\n", 1),
    ("import pytorch_lightning as pl\n\nclass Net(pl.LightningModule):\n    def __init__(self):\n"
     "        super().__init__()\n        self.acc = pl.metrics.Accuracy()\n", 6),
    ("from pytorch_lightning.callbacks.base import Callback\n\nclass Printer(Callback):\n    pass\n", 1),
    ("import transformers.modeling_bert as mb\nlayer = mb.BertLayer(config)\n", 1),
    ("from diffusers.utils import load_image, randn_tensor\nnoise = randn_tensor((1, 4, 64, 64))\n", 1),
    ("from pytorch_lightning.utilities.distributed import rank_zero_only\n\n@rank_zero_only\ndef log(msg):\n"
     "    print(msg)\n", 1),
])
def test_an_import_of_a_moved_library_name_fires(source, line):
    assert lines("ecosystem-import-moved", source) == [line]


@pytest.mark.parametrize("source", [
    "from torch.optim import AdamW\nfrom transformers import get_linear_schedule_with_warmup\n",
    "from huggingface_hub import hf_hub_download\npath = hf_hub_download('org/model', 'config.json')\n",
    "import pytorch_lightning as pl\nfrom torchmetrics.functional import accuracy\n\nclass Net(pl.LightningModule):\n"
    "    pass\n",
    "from transformers.models.bert.modeling_bert import BertLayer\nfrom transformers.modeling_utils import PreTrainedModel\n",
    "try:\n    from transformers import AdamW\nexcept ImportError:\n    from torch.optim import AdamW\n",
    "try:\n    from pytorch_lightning.utilities.distributed import rank_zero_only\nexcept (ImportError, AttributeError):\n"
    "    from pytorch_lightning.utilities import rank_zero_only\n",
    "from diffusers.utils.torch_utils import randn_tensor\nfrom mylib.metrics import accuracy\n",
])
def test_the_current_import_or_one_with_a_fallback_is_quiet(source):
    assert lines("ecosystem-import-moved", source) == []


def test_a_failing_import_is_answered_before_a_name_the_file_never_imports():
    source = ("from pytorch_lightning.core.lightning import LightningModule\n\nclass Lit(LightningModule):\n"
              "    def training_step(self, batch, batch_idx):\n        x, y = batch\n"
              "        return F.mse_loss(self(x), y)\n")
    found = detect(source)
    assert [f.entry_id for f in found][:1] == ["ecosystem-library-api-moved"] and found[0].line == 1


# ---- loss-summed-with-graph: the total of a loss the loop backpropagates, however it was computed --


@pytest.mark.parametrize("source, line", [
    ("for x, y in loader:\n    loss = criterion(model(x), y)\n    opt.zero_grad()\n    loss.backward()\n"
     "    opt.step()\n    running += loss\n", 6),
    ("step = 0\nwhile step < steps:\n    out = net(batch)\n    l = loss_fn(out, target)\n    l.backward()\n"
     "    optim.step()\n    epoch_loss += l\n    step += 1\n", 7),
    ("def train(model, data):\n    total = 0\n    for i, (a, b) in enumerate(data):\n        err = compute_loss(model, a, b)\n"
     "        total += err\n        err.backward()\n        optimizer.step()\n    return total / len(data)\n", 5),
])
def test_a_total_of_a_backpropagated_loss_fires(source, line):
    assert lines("loss-summed-with-graph", source) == [line]


@pytest.mark.parametrize("source", [
    "for x, y in loader:\n    loss = criterion(model(x), y)\n    loss.backward()\n    opt.step()\n"
    "    running += loss.item()\n",
    "for x, y in loader:\n    loss = criterion(model(x), y)\n    loss.backward()\n    loss = loss.detach()\n"
    "    running += loss\n",
    "for x, y in loader:\n    loss = criterion(model(x), y)\n    loss.backward()\n    opt.step()\n"
    "    count += n_correct\n",
    "with torch.no_grad():\n    for x, y in loader:\n        loss = criterion(model(x), y)\n        total += loss\n",
])
def test_a_float_total_or_another_sum_in_a_training_loop_is_quiet(source):
    assert lines("loss-summed-with-graph", source) == []


# ---- tensor-of-tensor-list: per-batch outputs of a model, reduced along one dimension ----------------


@pytest.mark.parametrize("source, line", [
    ("model.eval()\npreds, targets = [], []\nfor xb, yb in loader:\n    preds.append(model(xb).argmax(dim=1))\n"
     "    targets.append(yb)\nall_preds = torch.tensor(preds)\n", 6),
    ("net.train(False)\nscores = []\nfor i, (images, _) in enumerate(test_dl):\n    scores.append(net(images).argmax(1))\n"
     "result = torch.tensor(scores)\n", 5),
    ("encoder.load_state_dict(sd)\nfeats = []\nfor batch in batches:\n    feats.append(encoder(batch).mean(dim=1))\n"
     "bank = torch.as_tensor(feats)\n", 5),
])
def test_a_list_of_per_batch_model_outputs_into_torch_tensor_fires(source, line):
    assert lines("tensor-of-tensor-list", source) == [line]


@pytest.mark.parametrize("source", [
    "model.eval()\npreds = []\nfor xb, yb in loader:\n    preds.append(model(xb).argmax(dim=1))\nall_preds = torch.cat(preds)\n",
    "model.eval()\naccs = []\nfor xb, yb in loader:\n    accs.append((model(xb).argmax(1) == yb).float().mean())\n"
    "acc = torch.tensor(accs)\n",
    "model.eval()\nbest = []\nfor xb, yb in loader:\n    best.append(model(xb).argmax())\nvalues = torch.tensor(best)\n",
    "preds = []\nfor xb, yb in loader:\n    preds.append(predict(xb).argmax(dim=1))\nall_preds = torch.tensor(preds)\n",
    "model.eval()\nlosses, n = [], 0\nfor xb, yb in loader:\n    losses.append(model(xb).sum().item())\n"
    "total = torch.tensor(losses)\n",
])
def test_joined_outputs_scalars_or_a_callable_not_known_as_a_model_are_quiet(source):
    assert lines("tensor-of-tensor-list", source) == []


# ---- ddp-layer-without-gradient: a forward that can leave its loop over the layers early ------------

_EARLY_EXIT = """\
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

class Cascade(nn.Module):
    def __init__(self, width=64, depth=6):
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.halt = nn.Linear(width, 1)

    def forward(self, x):
        for i, block in enumerate(self.blocks):
            x = block(x).relu()
            {exit}
        return x

model = DDP(Cascade().cuda(rank), device_ids=[rank]{options})
"""


@pytest.mark.parametrize("exit", [
    "if self.halt(x).sigmoid().mean() > 0.5:\n                break",
    "if i >= 2 and self.halt(x).mean() > 0:\n                return x",
])
def test_a_loop_over_the_layers_that_stops_early_under_ddp_fires(exit):
    assert lines("ddp-layer-without-gradient", _EARLY_EXIT.format(exit=exit, options="")) == [17]


def test_a_pasted_fragment_spelling_out_distributed_data_parallel_fires():
    source = ("class Stack(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.layers = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8))\n\n    def forward(self, x):\n"
              "        for layer in self.layers:\n            if x.norm() < 1:\n                break\n"
              "            x = layer(x)\n        return x\n\nnet = DistributedDataParallel(Stack().to(dev))\n")
    assert lines("ddp-layer-without-gradient", source) == [13]


@pytest.mark.parametrize("exit, options", [
    ("if self.halt(x).sigmoid().mean() > 0.5:\n                break", ", find_unused_parameters=True"),
    ("x = self.halt(x) * x", ""),
    ("for _ in range(2):\n                if self.halt(x).sum() > 0:\n                    break", ""),
])
def test_unused_parameters_allowed_or_a_loop_that_runs_every_layer_is_quiet(exit, options):
    assert lines("ddp-layer-without-gradient", _EARLY_EXIT.format(exit=exit, options=options)) == []


# ---- truncated-into-fixed-slot: a sequence cut to at most N items fills a slot N wide ---------------


@pytest.mark.parametrize("source, line", [
    ("def collate(batch, max_len=128):\n    ids = torch.zeros(len(batch), max_len, dtype=torch.long)\n"
     "    for i, sample in enumerate(batch):\n        ids[i, :max_len] = torch.tensor(sample['ids'][:max_len])\n"
     "    return ids\n", 4),
    ("L = 50\nout = np.zeros((n, L))\nfor row, tokens in enumerate(docs):\n    kept = tokens[:L]\n"
     "    out[row, :L] = kept\n", 5),
    ("def pad(frames, width):\n    buf = torch.full((frames.shape[0], width), -1.0)\n"
     "    clip = frames[:, :width].float()\n    buf[:, :width] = clip\n    return buf\n", 4),
    ("for row, seq in enumerate(seqs):\n    k = min(len(other), width)\n    buf[row, :k] = seq[:k]\n", 3),
])
def test_a_sequence_cut_to_the_slot_width_assigned_into_the_slot_fires(source, line):
    assert lines("truncated-into-fixed-slot", source) == [line]


@pytest.mark.parametrize("source", [
    "for i, sample in enumerate(batch):\n    seq = torch.tensor(sample['ids'][:max_len])\n    ids[i, :len(seq)] = seq\n",
    "for i, sample in enumerate(batch):\n    seq = torch.tensor(sample['ids'][:max_len])\n    ids[i, :seq.shape[0]] = seq\n",
    "for i, sample in enumerate(batch):\n    seq = F.pad(x[:n], (0, n - len(x[:n])))\n    ids[i, :n] = seq\n",
    "window = signal[:, :256]\nframes[:, :256] = window * hann\n",
    "head = feats[:, :k]\nout[:, :m] = head\n",
    "for row, seq in enumerate(seqs):\n    k = min(len(seq), width)\n    buf[row, :k] = torch.as_tensor(seq[:k])\n",
    "for row, seq in enumerate(seqs):\n    k = len(seq)\n    buf[row, :k] = seq[:k]\n",
])
def test_a_slot_as_long_as_the_value_or_a_padded_value_is_quiet(source):
    assert lines("truncated-into-fixed-slot", source) == []


# ---- harness: a model-only paste whose forward unpacks `B, T, C = x.shape` is fed that many dims -----


@pytest.mark.parametrize("body, rank", [
    ("B, T, C = x.shape\nreturn x", 3),
    ("n, c = x.size()\nreturn x", 2),
    ("b, t, h, w = tokens.shape\nreturn tokens", 4),
    ("B, *rest = x.shape\nreturn x", None),
    ("B, T, C = other.shape\nreturn x", None),
    ("return x.mean(1)", None),
])
def test_the_rank_forward_unpacks_from_its_input(body, rank):
    argument = "tokens" if "tokens" in body else "x"
    indented = body.replace("\n", "\n    ")
    forward = ast.parse(f"def forward(self, {argument}):\n    {indented}\n").body[0]
    assert unpacked_rank(forward) == rank  # type: ignore[arg-type]


_ATTENTION = """\
import math
import torch
import torch.nn as nn

class SelfAttention(nn.Module):
    def __init__(self, dim=32, heads=4, max_len=128):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.bias = nn.Parameter(torch.zeros(max_len, max_len))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).reshape(B, T, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.heads)
        att = att + {bias}
        return (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
"""


@pytest.fixture(scope="module")
def run() -> Iterator:
    with WarmSandbox() as box:
        yield box.run_source


def test_a_sequence_model_is_driven_past_its_shape_unpacking(run):
    assert abstract_error(_ATTENTION.format(bias="self.bias[:T, :T]"), run) is None
    error = abstract_error(_ATTENTION.format(bias="self.bias.expand(B, self.heads, T, T)"), run)
    assert error is not None and error.message.startswith("The expanded size of the tensor") and error.line == 16


# ---- label-beyond-head: labels looked up in a map of more classes than the head has ------------------


@pytest.mark.parametrize("source, line", [
    ("import torch\nimport torch.nn as nn\nclasses = {'cat': 0, 'dog': 1, 'bird': 2}\nhead = nn.Linear(64, 2)\n"
     "y = torch.tensor([classes[name] for name in names])\nloss = nn.CrossEntropyLoss()(head(feats), y)\n", 6),
    ("tag_ids = {'O': 0, 'B-PER': 1, 'I-PER': 2, 'B-LOC': 3, 'I-LOC': 4}\nself.tagger = nn.Linear(d_model, 4)\n"
     "targets = torch.tensor([tag_ids[t] for t in tags], dtype=torch.long)\n"
     "loss = F.cross_entropy(self.tagger(hidden), targets)\n", 4),
])
def test_labels_mapped_beyond_the_head_fire(source, line):
    assert lines("label-beyond-head", source) == [line]


@pytest.mark.parametrize("source", [
    "classes = {'cat': 0, 'dog': 1, 'bird': 2}\nhead = nn.Linear(64, len(classes))\n"
    "y = torch.tensor([classes[n] for n in names])\nloss = F.cross_entropy(head(feats), y)\n",
    "classes = {'cat': 0, 'dog': 1, 'bird': 2}\nhead = nn.Linear(64, 3)\n"
    "y = torch.tensor([classes[n] for n in names])\nloss = F.cross_entropy(head(feats), y)\n",
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 2)\n"
    "    def forward(self, x):\n        return self.fc(x)\nmapping = {'a': 0, 'b': 1, 'c': 2}\n"
    "y = torch.tensor([mapping[k] for k in keys])\nloss = F.cross_entropy(other.fc(x), y)\n",
])
def test_a_map_that_fits_the_head_or_another_head_is_quiet(source):
    assert lines("label-beyond-head", source) == []


# ---- checkpoint-named-for-other-depth: a path that names another number of layers than the model's ----


@pytest.mark.parametrize("source, line", [
    ("import torch\nfrom model import Encoder\nenc = Encoder(dim=256, num_layers=4)\n"
     "enc.load_state_dict(torch.load('checkpoints/encoder_8layers.pt'))\n", 4),
    ("import argparse\nimport torch\nfrom nets import Tagger\nap = argparse.ArgumentParser()\n"
     "ap.add_argument('--weights', default='runs/tagger-24-layer/best.pth')\nap.add_argument('--depth', type=int, default=12)\n"
     "opts = ap.parse_args()\nnet = Tagger(depth=opts.depth)\nstate = torch.load(opts.weights, map_location='cpu')\n"
     "net.load_state_dict(state)\n", 10),
])
def test_a_checkpoint_named_for_another_depth_fires(source, line):
    assert lines("checkpoint-named-for-other-depth", source) == [line]


@pytest.mark.parametrize("source", [
    "enc = Encoder(dim=256, num_layers=8)\nenc.load_state_dict(torch.load('checkpoints/encoder_8layers.pt'))\n",
    "enc = Encoder(dim=256, num_layers=4)\nenc.load_state_dict(torch.load('ckpt/encoder_8layers.pt'), strict=False)\n",
    "enc = Encoder(dim=256, num_layers=n)\nenc.load_state_dict(torch.load('checkpoints/encoder_8layers.pt'))\n",
    "enc = Encoder(dim=256, num_layers=4)\nenc.load_state_dict(torch.load('checkpoints/encoder_epoch12.pt'))\n",
    "enc = Encoder(num_layers=4)\nenc.load_state_dict(torch.load('ckpt/enc_2layer_to_4layer.pt'))\n",
])
def test_the_same_depth_a_non_strict_load_or_an_unknown_depth_is_quiet(source):
    assert lines("checkpoint-named-for-other-depth", source) == []


# ---- object-in-weights-only-load: an attribute of a checkpoint item read after a default torch.load ----


@pytest.mark.parametrize("source, line", [
    ("import torch\nstate = torch.load('last.ckpt')\ncfg = state['config']\nmodel = build(cfg.arch, cfg.width)\n", 4),
    ("import torch\nckpt = torch.load(path, map_location='cpu')\nprint('trained for', ckpt['hparams'].epochs)\n", 3),
])
def test_an_object_read_from_a_default_load_fires(source, line):
    assert lines("object-in-weights-only-load", source) == [line]


@pytest.mark.parametrize("source", [
    "import torch\nckpt = torch.load(path, weights_only=False)\nprint(ckpt['args'].lr)\n",
    "import torch\nckpt = torch.load(path)\nprint(ckpt['model']['fc.weight'].shape, ckpt['epoch'])\n",
    "import torch\nckpt = torch.load(path)\nlr = ckpt['optimizer']['param_groups'][0]['lr']\nw = ckpt['w'].float()\n",
    "import argparse, torch\ntorch.serialization.add_safe_globals([argparse.Namespace])\nckpt = torch.load(path)\n"
    "print(ckpt['args'].lr)\n",
    "import torch\nckpt = torch.load(path)\nemb = ckpt['embedding'].T\nn = ckpt['embedding'].ndim\n",
])
def test_weights_tensors_or_an_explicit_load_are_quiet(source):
    assert lines("object-in-weights-only-load", source) == []


def test_a_load_of_a_file_the_code_saved_its_parsed_arguments_into_fires():
    source = ("import argparse\nimport torch\nopts = argparse.ArgumentParser().parse_args()\n"
              "torch.save({'weights': net.state_dict(), 'opts': opts}, 'run.pt')\nstate = torch.load('run.pt')\n")
    assert lines("object-in-weights-only-load", source) == [5]
    assert lines("object-in-weights-only-load", source.replace("torch.load('run.pt')",
                                                              "torch.load('run.pt', weights_only=False)")) == []


# ---- imagenet-weights-into-other-head: a 1000-class checkpoint into a model with another head ---------


@pytest.mark.parametrize("source, line", [
    ("import torch, timm\nnet = timm.create_model('resnet50', num_classes=5)\n"
     "net.load_state_dict(torch.load('weights/resnet50_imagenet1k.pth'), strict=False)\n", 3),
    ("import torch\nfrom torchvision.models import resnet18\nN_CLASSES = 37\nmodel = resnet18(num_classes=N_CLASSES)\n"
     "state = torch.load('/data/ckpt/ImageNet_resnet18.pt', map_location='cpu')\nmodel.load_state_dict(state)\n", 6),
])
def test_imagenet_weights_into_a_model_with_another_head_fire(source, line):
    assert lines("imagenet-weights-into-other-head", source) == [line]


@pytest.mark.parametrize("source", [
    "net = timm.create_model('resnet50', num_classes=1000)\nnet.load_state_dict(torch.load('resnet50_imagenet.pth'))\n",
    "net = timm.create_model('resnet50', num_classes=5)\nsd = torch.load('resnet50_imagenet.pth')\n"
    "sd.pop('fc.weight'); sd.pop('fc.bias')\nnet.load_state_dict(sd, strict=False)\n",
    "net = timm.create_model('resnet50', num_classes=5)\nsd = torch.load('resnet50_imagenet.pth')\n"
    "sd = {k: v for k, v in sd.items() if not k.startswith('fc.')}\nnet.load_state_dict(sd, strict=False)\n",
    "net = timm.create_model('resnet50', num_classes=5)\nnet.load_state_dict(torch.load('resnet50_flowers5.pth'))\n",
])
def test_a_matching_head_a_filtered_state_dict_or_other_weights_are_quiet(source):
    assert lines("imagenet-weights-into-other-head", source) == []
