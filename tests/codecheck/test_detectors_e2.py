"""Detectors for entries that declared none (helper e2): each fires on its situation written in
several shapes (a fragment, a module, a training loop) and stays quiet on correct look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- from-numpy-read-only: from_numpy / as_tensor share a read-only array -----------------------


@pytest.mark.parametrize("source, line", [
    # a fragment: a record of a packed file, viewed as an image
    ("def __getitem__(self, i):\n    rec = self.records[i]\n"
     "    pixels = np.frombuffer(rec, dtype=np.uint8).reshape(28, 28)[None]\n"
     "    return torch.from_numpy(pixels), self.targets[i]\n", 4),
    # a module: features memory-mapped read-only, one row per sample
    ("import numpy as np\nimport torch\nfrom torch.utils.data import Dataset\n\n"
     "class Embeddings(Dataset):\n    def __init__(self, path):\n"
     "        self.table = np.load(path, mmap_mode='r')\n\n"
     "    def __len__(self):\n        return len(self.table)\n\n"
     "    def __getitem__(self, k):\n        row = self.table\n        return torch.as_tensor(row[k])\n", 14),
    # a script: an image opened with PIL, converted without a copy
    ("from PIL import Image\nimport numpy as np\nimport torch\n\n"
     "img = Image.open('cat.png').convert('RGB')\narr = np.asarray(img)\n"
     "x = torch.from_numpy(arr).permute(2, 0, 1).float().div(255)\n", 7),
    # a loop over an LMDB-like store
    ("import numpy as np\nimport torch\n\nfor key in keys:\n    blob = txn.get(key)\n"
     "    vec = np.frombuffer(blob, dtype=np.float32)\n    batch.append(torch.from_numpy(vec.T))\n", 7),
    ("import numpy as np\nimport torch\nmm = np.memmap('x.bin', dtype=np.float32, mode='r', shape=(100, 8))\n"
     "x = torch.from_numpy(mm[:10])\n", 4),
])
def test_a_tensor_sharing_a_read_only_array_fires(source, line):
    assert lines("from-numpy-read-only", source) == [line]


@pytest.mark.parametrize("source", [
    # copied before the conversion, in its several spellings
    "vec = np.frombuffer(blob, dtype=np.float32).copy()\nx = torch.from_numpy(vec)\n",
    "vec = np.frombuffer(blob, dtype=np.uint8).astype(np.float32)\nx = torch.from_numpy(vec)\n",
    "vec = np.array(np.frombuffer(blob, dtype=np.float32))\nx = torch.from_numpy(vec)\n",
    "x = torch.tensor(np.frombuffer(blob, dtype=np.float32))\n",
    "vec = np.frombuffer(blob, dtype=np.float32) / 255.0\nx = torch.from_numpy(vec)\n",
    # fancy indexing copies
    "table = np.load(path, mmap_mode='r')\nx = torch.from_numpy(table[idx_list])\n",
    # writable sources
    "buf = bytearray(f.read())\nvec = np.frombuffer(buf, dtype=np.float32)\nx = torch.from_numpy(vec)\n",
    "table = np.load(path, mmap_mode='c')\nx = torch.from_numpy(table[3])\n",
    "table = np.memmap(path, dtype=np.float32, shape=(10, 4))\nx = torch.from_numpy(table)\n",
    "img = np.array(Image.open(p).convert('RGB'))\nx = torch.from_numpy(img)\n",
    # as_tensor to another dtype copies
    "vec = np.frombuffer(blob, dtype=np.uint8)\nx = torch.as_tensor(vec, dtype=torch.float32)\n",
    # the program silenced the warning on purpose
    "import warnings\nwarnings.filterwarnings('ignore', message='The given NumPy array is not writable')\n"
    "table = np.load(path, mmap_mode='r')\nx = torch.from_numpy(table[0])\n",
    # a name bound twice is unknown
    "vec = np.frombuffer(blob, dtype=np.float32)\nif copy:\n    vec = vec.copy()\nx = torch.from_numpy(vec)\n",
])
def test_a_copied_writable_or_unknown_array_is_quiet(source):
    assert lines("from-numpy-read-only", source) == []


# ---- first-of-filtered: [0] of a thresholded selection with no empty check ----------------------


@pytest.mark.parametrize("source, line", [
    # a fragment: the best detection of each image
    ("for out in outputs:\n    keep = out['scores'] > 0.5\n    boxes = out['boxes'][keep]\n"
     "    best.append(boxes[0])\n", 4),
    # a module: the last position above a threshold, inline
    ("import torch\nimport torch.nn as nn\n\nclass Decoder(nn.Module):\n    def forward(self, logits):\n"
     "        probs = logits.sigmoid()\n        return torch.arange(len(probs))[probs >= self.threshold][-1]\n", 7),
    # an evaluation loop: the first sample of class c in a batch
    ("for images, labels in loader:\n    for c in range(10):\n"
     "        example = images[(labels == c) & (images.mean((1, 2, 3)) > 0)][0]\n        grid.append(example)\n", 3),
    ("import numpy as np\nids = np.arange(100)\nfirst_bad = ids[losses > 5.0][0]\nprint(first_bad)\n", 3),
])
def test_one_element_of_an_unchecked_filtered_tensor_fires(source, line):
    assert lines("first-of-filtered", source) == [line]


@pytest.mark.parametrize("source", [
    # the empty case handled in its usual spellings
    "keep = scores > 0.5\nif keep.any():\n    top = boxes[keep][0]\n",
    "keep = scores > 0.5\nboxes = boxes[keep]\nif len(boxes) == 0:\n    return None\nreturn boxes[0]\n",
    "boxes = boxes[scores > 0.5]\ntop = boxes[0] if boxes.numel() else None\n",
    "kept = x[x > 0]\nassert kept.shape[0] > 0\nfirst = kept[0]\n",
    "try:\n    top = boxes[scores > 0.5][0]\nexcept IndexError:\n    top = None\n",
    # never empty: the maximum is always attained
    "best = torch.arange(len(scores))[scores == scores.max()][0]\n",
    # a slice of the selection, or an index that is not a threshold mask
    "top = boxes[scores > 0.5][:1]\n",
    "top = boxes[order][0]\n",
    "top = boxes[idx][0]\n",
    "row = table[3][0]\n",
])
def test_a_checked_selection_or_a_non_mask_index_is_quiet(source):
    assert lines("first-of-filtered", source) == []


def test_a_size_inside_the_selection_itself_is_no_check():
    source = "positions = torch.arange(len(probs))[probs > 0.5]\nfirst = positions[0]\n"
    assert lines("first-of-filtered", source) == [2]


# ---- pinned-loader-on-cpu-only: pin_memory=True where the only device is the CPU -----------------


@pytest.mark.parametrize("source, line", [
    # a smoke-test script pinned to the CPU
    ("import torch\nfrom torch.utils.data import DataLoader\n\ndevice = torch.device('cpu')  # laptop, no GPU\n"
     "loader = DataLoader(ds, batch_size=64, pin_memory=True, num_workers=2)\nmodel = Net().to(device)\n"
     "for xb, yb in loader:\n    loss = F.mse_loss(model(xb.to(device)), yb.to(device))\n", 5),
    # a config-style module
    ("from torch.utils.data import DataLoader\n\nDEVICE = 'cpu'\n\ndef make_loaders(train, val):\n"
     "    kw = dict(batch_size=32)\n    return (DataLoader(train, shuffle=True, pin_memory=True, **kw),\n"
     "            DataLoader(val, pin_memory=True, **kw))\n", 7),
])
def test_a_pinned_loader_in_a_cpu_only_program_fires(source, line):
    assert lines("pinned-loader-on-cpu-only", source)[:1] == [line]


@pytest.mark.parametrize("source", [
    # a GPU is named, even as a fallback
    "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
    "loader = DataLoader(ds, batch_size=64, pin_memory=True)\n",
    "device = 'cpu'\nloader = DataLoader(ds, pin_memory=True)\nmodel = model.cuda()\n",
    "device = 'cpu'\nif args.gpu:\n    device = 'cuda:0'\nloader = DataLoader(ds, pin_memory=True)\n",
    "device = torch.device('cpu')\nloader = DataLoader(ds, pin_memory=torch.backends.mps.is_available())\n",
    # no device named at all: a fragment of a program that may well use a GPU
    "loader = DataLoader(ds, batch_size=64, pin_memory=True)\nfor xb, yb in loader:\n    step(xb, yb)\n",
    # not pinned
    "device = torch.device('cpu')\nloader = DataLoader(ds, batch_size=64, pin_memory=False)\n",
])
def test_a_program_that_may_use_a_gpu_or_does_not_pin_is_quiet(source):
    assert lines("pinned-loader-on-cpu-only", source) == []


# ---- dim-beyond-rank: a literal dim the tensor does not have ------------------------------------


@pytest.mark.parametrize("source, line", [
    # inference on one sample through an MLP: its output has no batch axis
    ("import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))\n"
     "x = torch.randn(8)\nwith torch.no_grad():\n    probs = F.softmax(model(x), dim=1)\n", 6),
    # a row of a table taken as a sample, moved first
    ("import torch\nnet = nn.Sequential(nn.Linear(5, 3)).to(device)\nfeatures = torch.rand(100, 5)\n"
     "sample = features[0].to(device)\npred = net(sample).argmax(1).item()\n", 5),
    # plain reductions
    ("import torch\nscores = torch.zeros(4, 5)\ntotal = scores.sum(dim=2)\n", 3),
    ("import torch\nw = torch.tensor([0.2, 0.3, 0.5])\nn = w.size(1)\n", 3),
    ("import torch\nimg = torch.rand(3, 32, 32)\nflat = torch.flatten(img, 3)\n", 3),
])
def test_a_dim_beyond_the_known_rank_fires(source, line):
    assert lines("dim-beyond-rank", source)[:1] == [line]


@pytest.mark.parametrize("source", [
    "import torch\nmodel = nn.Sequential(nn.Linear(8, 4))\nx = torch.randn(8)\nprobs = model(x.unsqueeze(0)).softmax(dim=1)\n",
    "import torch\nmodel = nn.Sequential(nn.Linear(8, 4))\nx = torch.randn(8)\nprobs = model(x).softmax(dim=-1)\n",
    "import torch\nscores = torch.zeros(4, 5)\ntotal = scores.sum(dim=1)\nlast = scores.softmax(-2)\n",
    # a model that may reshape: its output rank is not known
    "x = torch.randn(784)\nlogits = model(x)\npred = logits.argmax(dim=1)\n",
    "x = torch.randn(1, 784)\nprobs = F.softmax(x, dim=1)\n",
    # a name bound twice is unknown
    "x = torch.randn(8)\nif batched:\n    x = x.unsqueeze(0)\ny = x.softmax(1)\n",
])
def test_a_dim_within_the_rank_or_an_unknown_rank_is_quiet(source):
    assert lines("dim-beyond-rank", source) == []


# ---- permute-beyond-rank: a permute of another length than the known rank -----------------------


@pytest.mark.parametrize("source, line", [
    ("import numpy as np\nimport torch\nfrom PIL import Image\n\ndef load(path):\n"
     "    gray = np.array(Image.open(path).convert('L'))\n    return torch.from_numpy(gray).float().permute(2, 0, 1)\n", 7),
    ("import cv2\nimport torch\n\nclass Masks(Dataset):\n    def __getitem__(self, i):\n"
     "        m = cv2.imread(self.paths[i], cv2.IMREAD_GRAYSCALE)\n        t = torch.from_numpy(m) / 255.0\n"
     "        return t.permute(2, 0, 1)\n", 8),
    ("import torch\nframe = torch.rand(64, 64, 3)\nbatch = frame.permute(0, 3, 1, 2)\n", 3),
    ("import torch\nx = torch.randn(2, 3, 4)\ny = torch.permute(x, (1, 0))\n", 3),
])
def test_a_permute_of_another_length_than_the_rank_fires(source, line):
    assert lines("permute-beyond-rank", source) == [line]


@pytest.mark.parametrize("source", [
    "gray = np.array(Image.open(p).convert('L'))\nt = torch.from_numpy(gray).unsqueeze(-1).permute(2, 0, 1)\n",
    "rgb = np.array(Image.open(p).convert('RGB'))\nt = torch.from_numpy(rgb).permute(2, 0, 1)\n",
    "img = np.array(Image.open(p))\nt = torch.from_numpy(img).permute(2, 0, 1)\n",
    "frame = torch.rand(64, 64, 3)\nbatch = frame.unsqueeze(0).permute(0, 3, 1, 2)\n",
    "x = torch.randn(2, 3, 4)\ny = x.permute(*order)\n",
])
def test_a_permute_that_fits_or_an_unknown_rank_is_quiet(source):
    assert lines("permute-beyond-rank", source) == []


# ---- more-indices-than-rank: more comma-separated indices than the known rank -------------------


@pytest.mark.parametrize("source, line", [
    # the positive-class column of a squeezed one-unit head
    ("import torch\nimport torch.nn as nn\nhead = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 1))\n"
     "batch = torch.randn(64, 10)\nprobs = torch.sigmoid(head(batch)).squeeze()\npos = probs[:, 1]\n", 6),
    # one row of a table indexed as if it were still a table
    ("import torch\ntable = torch.rand(50, 4)\nrow = table[7]\nfirst = row[0, 0]\n", 4),
    ("import torch\nw = torch.tensor([1.0, 2.0, 3.0])\nprint(w[:, None][0, 0], w[0, 1])\n", 3),
])
def test_more_indices_than_the_known_rank_fire(source, line):
    assert lines("more-indices-than-rank", source)[-1:] == [line]


@pytest.mark.parametrize("source", [
    "head = nn.Sequential(nn.Linear(10, 2))\nbatch = torch.randn(64, 10)\nprobs = torch.softmax(head(batch), 1)\npos = probs[:, 1]\n",
    "head = nn.Sequential(nn.Linear(10, 1))\nbatch = torch.randn(64, 10)\nprobs = torch.sigmoid(head(batch)).squeeze(1)\npos = probs[:, 0]\n",
    "head = nn.Sequential(nn.Linear(10, 1))\nbatch = torch.randn(1, 10)\nprobs = head(batch).squeeze()\n",
    "table = torch.rand(50, 4)\nfirst = table[7, 0]\nlast = table[..., -1]\nup = table[:, None, 0]\n",
    "probs = torch.sigmoid(model(x)).squeeze()\npos = probs[:, 1]\n",
])
def test_indices_within_the_rank_or_an_unknown_rank_are_quiet(source):
    assert lines("more-indices-than-rank", source) == []
