"""Detectors of single API calls and hand-made tensors: for each, broken code with the lines it must
report, and correct code that must give no finding."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

CASES = {
    "meshgrid-without-indexing": (
        "import torch\nxs, ys = torch.meshgrid(a, b)\n", [2],
        "import torch\nxs, ys = torch.meshgrid(a, b, indexing='ij')\nimport numpy as np\nnp.meshgrid(a, b)\n"),
    "checkpoint-without-use-reentrant": (
        "from torch.utils.checkpoint import checkpoint\ny = checkpoint(block, x)\n", [2],
        "import torch.utils.checkpoint as cp\ny = cp.checkpoint(block, x, use_reentrant=False)\n"),
    "cuda-amp-namespace": (
        "import torch\nwith torch.cuda.amp.autocast():\n    pass\nscaler = torch.cuda.amp.GradScaler()\n", [2, 4],
        "import torch\nwith torch.amp.autocast('cuda'):\n    pass\nscaler = torch.amp.GradScaler('cuda')\n"),
    "torchvision-pretrained": (
        "from torchvision import models\nm = models.resnet18(pretrained=True)\n", [2],
        "from torchvision import models\nm = models.resnet18(weights='DEFAULT')\nn = timm.create_model('x', pretrained=True)\n"),
    "next-on-dataloader": (
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=4)\nbatch = next(loader)\n", [3],
        "from torch.utils.data import DataLoader\nloader = DataLoader(ds)\nbatch = next(iter(loader))\nx = next(gen)\n"),
    "shuffle-with-sampler": (
        "from torch.utils.data import DataLoader\nl = DataLoader(ds, shuffle=True, sampler=s)\n", [2],
        "from torch.utils.data import DataLoader\na = DataLoader(ds, shuffle=True)\nb = DataLoader(ds, sampler=s)\n"
        "c = DataLoader(ds, shuffle=True, sampler=None)\n"),
    "lambda-to-worker-dataloader": (
        "from torch.utils.data import DataLoader\nl = DataLoader(ds, num_workers=2, collate_fn=lambda b: b)\n"
        "def main():\n    def collate(b):\n        return b\n    return DataLoader(ds, num_workers=4, collate_fn=collate)\n",
        [2, 6],
        "from torch.utils.data import DataLoader\ndef collate(b):\n    return b\n"
        "a = DataLoader(ds, num_workers=2, collate_fn=collate)\nb = DataLoader(ds, num_workers=0, collate_fn=lambda b: b)\n"),
    "load-state-dict-assigned": (
        "import torch\nmodel = Net()\nmodel = model.load_state_dict(torch.load('w.pt'))\nm = Net().load_state_dict(sd)\n",
        [3, 4],
        "import torch\nmodel = Net()\nmodel.load_state_dict(sd)\nresult = model.load_state_dict(sd, strict=False)\n"),
    "forward-without-return": (
        "import torch.nn as nn\nclass N(nn.Module):\n    def forward(self, x):\n        y = self.fc(x)\n", [3],
        "import torch.nn as nn\nclass A(nn.Module):\n    def forward(self, x):\n        raise NotImplementedError\n"
        "class B(nn.Module):\n    def forward(self, x):\n        '''Subclasses compute.'''\n"
        "class C(nn.Module):\n    def forward(self, x):\n        if x is None:\n            return 0\n        return x\n"),
    "dataset-without-getitem": (
        "from torch.utils.data import Dataset\nclass D(Dataset):\n    def __len__(self):\n        return 3\n"
        "    def __get_item__(self, i):\n        return i\n", [2],
        "from torch.utils.data import Dataset, IterableDataset\nclass D(Dataset):\n    def __len__(self):\n        return 3\n"
        "    def __getitem__(self, i):\n        return i\nclass S(IterableDataset):\n    def __iter__(self):\n"
        "        yield 1\nclass Base(Dataset):\n    def __len__(self):\n        return 0\nclass Real(Base):\n"
        "    def __getitem__(self, i):\n        return i\n"),
    "float-layer-size": (
        "import torch.nn as nn\nfc = nn.Linear(hidden / 2, 10)\nconv = nn.Conv2d(3, width / 4, 3)\n", [2, 3],
        "import torch.nn as nn\nfc = nn.Linear(hidden // 2, 10)\nconv = nn.Conv2d(3, int(width / 4), 3)\ndrop = nn.Dropout(p / 2)\n"),
    "lr-not-a-number": (
        "import argparse, torch\np = argparse.ArgumentParser()\np.add_argument('--lr', default=0.01)\nargs = p.parse_args()\n"
        "opt = torch.optim.SGD(params, lr=args.lr)\nopt2 = torch.optim.Adam(params, lr='1e-3')\n", [5, 6],
        "import argparse, torch\np = argparse.ArgumentParser()\np.add_argument('--lr', type=float, default=0.01)\n"
        "p.add_argument('--name', default='run')\nargs = p.parse_args()\nopt = torch.optim.SGD(params, lr=args.lr)\n"),
    "optimizer-on-non-leaf": (
        "import torch\nw = torch.randn(3, 1, requires_grad=True) * 0.01\nb = torch.zeros(1, requires_grad=True).to(dev)\n"
        "opt = torch.optim.SGD([w, b], lr=0.1)\n", [4, 4],
        "import torch\nw = (torch.randn(3, 1) * 0.01).requires_grad_()\nb = torch.zeros(1, requires_grad=True)\n"
        "opt = torch.optim.SGD([w, b], lr=0.1)\n"),
    "grad-of-non-leaf": (
        "import torch\nw = torch.randn(3, requires_grad=True).cuda()\n(x @ w).sum().backward()\nprint(w.grad)\n", [4],
        "import torch\nw = torch.randn(3, requires_grad=True)\n(x @ w).sum().backward()\nprint(w.grad)\n"
        "v = torch.randn(3, requires_grad=True) * 2\nv.retain_grad()\nprint(v.grad)\n"),
    "inplace-on-leaf": (
        "import torch\nw = torch.randn(3, requires_grad=True)\nw -= 0.1 * w.grad\n", [3],
        "import torch\nw = torch.randn(3, requires_grad=True)\nwith torch.no_grad():\n    w -= 0.1 * w.grad\n"
        "    w.grad.zero_()\nv = torch.randn(3)\nv += 1\nw.requires_grad_(False)\n"),
    "backward-without-graph": (
        "import torch\nwith torch.no_grad():\n    loss = crit(model(x), y)\nloss.backward()\n"
        "l2 = crit(model(x), y).detach()\nl2.backward()\n", [4, 6],
        "import torch\nloss = crit(model(x), y)\nloss.backward()\nwith torch.no_grad():\n    val = crit(model(x), y)\n"),
    "backward-without-graph:decorated": (
        "import torch\n@torch.no_grad()\ndef compute_loss(x, y):\n    return crit(model(x), y)\n"
        "loss = compute_loss(x, y)\nloss.backward()\n", [6],
        "import torch\ndef compute_loss(x, y):\n    return crit(model(x), y)\nloss = compute_loss(x, y)\nloss.backward()\n"),
    "grad-of-non-leaf:global": (
        "import torch\nraw = torch.rand(1, 3, requires_grad=True)\nimage = (raw - MEAN) / STD\n"
        "def saliency():\n    model(image).sum().backward()\n    return image.grad\n", [6],
        "import torch\nraw = torch.rand(1, 3, requires_grad=True)\nimage = (raw - MEAN) / STD\n"
        "def saliency(image):\n    return image.grad\ndef other():\n    return raw.grad\n"),
    "tensor-from-tensor": (
        "import torch\nx = torch.randn(3)\ny = torch.tensor(x)\nz = torch.tensor(torch.arange(4), dtype=torch.float32)\n",
        [3, 4],
        "import torch\nx = torch.randn(3)\ny = x.detach().clone()\nz = torch.tensor([1, 2])\nw = torch.tensor(values)\n"
        "import numpy as np\nv = torch.tensor(np.arange(3))\n"),
    "numpy-on-device-tensor": (
        "import torch\nx = torch.randn(3).cuda()\na = x.numpy()\nb = model(x).to('cuda:0').detach().numpy()\n", [3, 4],
        "import torch\nx = torch.randn(3).cuda()\na = x.cpu().numpy()\nb = x.to(device).numpy()\nc = x.to('cpu').numpy()\n"),
    "bce-integer-target": (
        "import torch\nimport torch.nn as nn\ncrit = nn.BCEWithLogitsLoss()\ny = torch.randint(0, 2, (8, 1))\n"
        "a = crit(logits, y)\nb = nn.functional.binary_cross_entropy(p, labels.long())\n"
        "c = crit(logits, torch.tensor([[0], [1]]))\n", [5, 6, 7],
        "import torch\nimport torch.nn as nn\ncrit = nn.BCEWithLogitsLoss()\ny = torch.randint(0, 2, (8, 1)).float()\n"
        "a = crit(logits, y)\nb = crit(logits, torch.tensor([[0.0], [1.0]]))\nc = crit(logits, labels)\n"
        "d = crit(logits, torch.randint(0, 2, (8, 1)).to(torch.float32))\n"),
    "float-op-on-integer-tensor": (
        "import torch\nimages = torch.randint(0, 256, (4, 3, 8, 8), dtype=torch.uint8)\nm = images.mean(dim=(0, 2, 3))\n"
        "s = torch.arange(10).std()\nhits = torch.as_tensor(table['visits'].to_numpy())   # int32 per row\n"
        "print(hits.var())\n", [3, 4, 6],
        "import torch\nimages = torch.randint(0, 256, (4, 3, 8, 8), dtype=torch.uint8)\nm = images.float().mean()\n"
        "s = torch.arange(10.0).std()\nv = torch.arange(10).mean(dtype=torch.float32)\nimport numpy as np\n"
        "a = np.arange(10).mean()\nhits = torch.as_tensor(table['visits'].to_numpy())   # float32 per row\n"
        "print(hits.var())\n"),
    "backward-on-number": (
        "loss = crit(model(x), y).item()\nloss.backward()\ntotal = float(loss)\ntotal.backward()\n", [2, 4],
        "loss = crit(model(x), y)\nloss.backward()\nrunning = loss.item()\n"),
    "from-numpy-flipped": (
        "import numpy as np\nimport torch\nt = torch.from_numpy(img[:, :, ::-1])\nf = np.flip(img, 0)\n"
        "u = torch.from_numpy(f)\n", [3, 5],
        "import numpy as np\nimport torch\nt = torch.from_numpy(img[:, :, ::-1].copy())\nu = torch.from_numpy(img[::2])\n"),
    "dataparallel-attribute": (
        "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n        return self.fc(x)\n"
        "    def predict(self, x):\n        return self(x).argmax(1)\nmodel = Net()\nmodel = nn.DataParallel(model)\n"
        "p = model.predict(x)\nw = model.fc\n", [12, 13],
        "import torch.nn as nn\nclass Net(nn.Module):\n    def predict(self, x):\n        return x\nmodel = Net()\n"
        "model = nn.DataParallel(model)\np = model.module.predict(x)\nmodel.eval()\nsd = model.state_dict()\n"),
}


@pytest.mark.parametrize("detector", CASES)
def test_the_broken_code_fires_on_its_lines_and_the_correct_code_does_not(detector):
    broken, expected, correct = CASES[detector]
    name = detector.partition(":")[0]  # `name:variant` keys try one detector on another shape of code
    assert lines(name, broken) == expected
    assert lines(name, correct) == []


def test_a_float_batch_into_a_model_whose_forward_embeds_it_fires():
    source = """\
import torch
import torch.nn as nn
batch = torch.zeros(3, 4)
for i, s in enumerate(seqs):
    batch[i, :len(s)] = torch.tensor(s)
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
    def forward(self, ids):
        return self.emb(ids).mean(1)
model = Classifier()
out = model(batch)
ok = model(batch.long())
"""
    assert lines("float-embedding-indices", source) == [13]


def test_a_size_divided_on_an_earlier_line_and_a_tuple_returned_as_the_loss_fire():
    layer = "import torch.nn as nn\nmid = channels / 2\nconv = nn.Conv2d(channels, mid, 1)\nok = nn.Conv2d(channels, channels // 2, 1)\n"
    assert lines("float-layer-size", layer) == [3]
    tuple_loss = ("def vae_loss(a, b):\n    rec = (a - b).pow(2).mean()\n    return rec, {'rec': rec.item()}\n"
                  "loss = vae_loss(x, y)\nloss.backward()\nrec, logs = vae_loss(x, y)\nrec.backward()\n")
    assert lines("backward-on-number", tuple_loss) == [5]


def test_an_in_place_update_inside_the_training_loop_fires():
    source = ("import torch\nw = torch.zeros(3, 1, requires_grad=True)\nfor step in range(20):\n"
              "    loss = ((X @ w - y) ** 2).mean()\n    loss.backward()\n    w -= 0.1 * w.grad\n    w.grad.zero_()\n")
    assert lines("inplace-on-leaf", source) == [6]
