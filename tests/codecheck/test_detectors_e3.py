"""Detectors for entries that declared none: bce-target-size-mismatch, cross-entropy-sequence-target,
autocast-uncovered-op-dtype. Each fires on its situation written in several ways and stays quiet on
the correct look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- bce-target-size-mismatch: [N, 1] prediction against a flat [N] target, or the reverse -------

BCE_FIRES = [
    # a fragment whose comments say what the loader gives and how the net ends
    ("crit = nn.BCEWithLogitsLoss()\nfor feats, label in train_dl:   # label: [B]\n"
     "    out = clf(feats)            # clf ends in nn.Linear(64, 1)\n    loss = crit(out, label)\n", 4),
    # a module-built model ending in Linear(h, 1), a flat factory target
    ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"
     "class Scorer(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n"
     "        self.body = nn.Linear(d, 16)\n        self.head = nn.Linear(16, 1)\n\n"
     "    def forward(self, x):\n        return self.head(torch.relu(self.body(x)))\n\n"
     "scorer = Scorer(8)\nbatch = torch.randn(32, 8)\nclicked = torch.randint(0, 2, (32,)).float()\n"
     "p = torch.sigmoid(scorer(batch))\nloss = F.binary_cross_entropy(p, clicked)\n", 18),
    # the reverse: a squeezed prediction against a label column
    ("import torch\nimport torch.nn as nn\nnet = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))\n"
     "x = torch.randn(10, 4)\ntarget = (x[:, 0] > 0).float().unsqueeze(1)\n"
     "pred = net(x).squeeze(1)\nloss = nn.BCEWithLogitsLoss()(pred, target)\n", 7),
    # a training loop with a shape comment on the prediction
    ("criterion = nn.BCELoss()\nfor step in range(100):\n    probs = model(inputs).sigmoid()   # [B, 1]\n"
     "    labels = torch.zeros(64)\n    loss = criterion(probs, labels)\n    loss.backward()\n", 5),
]



BCE_QUIET = [
    # squeezed prediction against a flat target
    ("import torch\nimport torch.nn as nn\nnet = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))\n"
     "x = torch.randn(10, 4)\ny = (x[:, 0] > 0).float()\nloss = nn.BCEWithLogitsLoss()(net(x).squeeze(1), y)\n"),
    # a column against a column
    ("import torch\nimport torch.nn as nn\nnet = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))\n"
     "x = torch.randn(10, 4)\ny = (x[:, 0] > 0).float().unsqueeze(1)\nloss = nn.BCEWithLogitsLoss()(net(x), y)\n"),
    # a multi-label head against a multi-hot target
    ("import torch\nimport torch.nn as nn\nnet = nn.Linear(4, 5)\nx = torch.randn(10, 4)\n"
     "y = torch.zeros(10, 5)\nloss = nn.BCEWithLogitsLoss()(net(x), y)\n"),
    # a comment that tells a change of shape, the code squeezing
    ("crit = nn.BCEWithLogitsLoss()\nfor xb, yb in loader:   # yb: [B]\n"
     "    logits = net(xb).view(-1)   # [B, 1] -> [B]\n    loss = crit(logits, yb)\n"),
    # one sample: Linear(k, 1) on a vector gives [1], as the target
    ("import torch\nimport torch.nn as nn\nhead = nn.Linear(3, 1)\nv = torch.randn(3)\n"
     "loss = nn.BCEWithLogitsLoss()(head(v), torch.ones(1))\n"),
    # MSE is another detector's business
    ("import torch\nimport torch.nn as nn\nnet = nn.Linear(4, 1)\nx = torch.randn(10, 4)\n"
     "loss = nn.MSELoss()(net(x), torch.randn(10))\n"),
]


# ---- cross-entropy-sequence-target: [N, S, C] logits with [N, S] targets, classes not moved ------

CE_FIRES = [
    # a fragment whose comments give both shapes
    ("scores = decoder(h)        # scores: [B, T, vocab]\nloss = F.cross_entropy(scores, gold)   # gold: [B, T]\n", 2),
    # factories
    ("import torch\nimport torch.nn.functional as F\nB, T, K = 4, 30, 9\nlogits = torch.randn(B, T, K, requires_grad=True)\n"
     "frames = torch.randint(0, K, (B, T))\nF.cross_entropy(logits, frames).backward()\n", 6),
    # a module whose forward says what it returns, in a training loop
    ("import torch.nn as nn\n\nclass FrameClassifier(nn.Module):\n    def __init__(self, d, k):\n"
     "        super().__init__()\n        self.rnn = nn.GRU(d, 64, batch_first=True)\n        self.fc = nn.Linear(64, k)\n\n"
     "    def forward(self, x):\n        h, _ = self.rnn(x)\n        return self.fc(h)   # (batch, frames, k)\n\n"
     "net = FrameClassifier(40, 6)\nloss_fn = nn.CrossEntropyLoss()\nfor feats, labels in loader:   # labels: (batch, frames)\n"
     "    out = net(feats)\n    loss = loss_fn(out, labels.long())\n    loss.backward()\n", 17),    # nll_loss on per-token log-probabilities
    ("import torch\nimport torch.nn.functional as F\nlogp = F.log_softmax(torch.randn(2, 7, 5), dim=-1)\n"
     "y = torch.randint(0, 5, (2, 7))\nloss = F.nll_loss(logp, y)\n", 5),
]



CE_QUIET = [
    # classes moved to dim 1, or both flattened
    ("scores = decoder(h)        # scores: [B, T, vocab]\nloss = F.cross_entropy(scores.transpose(1, 2), gold)   # gold: [B, T]\n"),
    ("scores = decoder(h)        # scores: [B, T, vocab]\n"
     "loss = F.cross_entropy(scores.reshape(-1, scores.size(-1)), gold.reshape(-1))   # gold: [B, T]\n"),
    # a Conv1d head: classes already at dim 1
    ("out = self.conv_head(x)   # out: [B, n_classes, T]\nloss = F.cross_entropy(out, y)   # y: [B, T]\n"),
    # image segmentation [N, C, H, W] with [N, H, W]
    ("import torch\nimport torch.nn.functional as F\nlogits = torch.randn(2, 5, 8, 8)\n"
     "mask = torch.randint(0, 5, (2, 8, 8))\nloss = F.cross_entropy(logits, mask)\n"),
    # a language model with the shift, flattened
    ("import torch\nimport torch.nn.functional as F\nlogits = torch.randn(2, 16, 100)\ntokens = torch.randint(0, 100, (2, 16))\n"
     "loss = F.cross_entropy(logits[:, :-1].reshape(-1, 100), tokens[:, 1:].reshape(-1))\n"),
    # a comment that tells a change of layout
    ("out = head(h)   # [B, T, C] -> [B, C, T]\nloss = F.cross_entropy(out, y)   # y: [B, T]\n"),
]


# ---- autocast-uncovered-op-dtype: a low-precision output written into a float32 buffer ----------

AUTOCAST_FIRES = [
    # a pasted method: graph readout summed into a float32 buffer with index_add_
    ("def readout(self, h, graph_of_node, num_graphs):\n    with torch.autocast(\"cuda\", dtype=torch.float16):\n"
     "        pooled = torch.zeros(num_graphs, h.size(1), device=h.device)\n"
     "        pooled.index_add_(0, graph_of_node, self.score(h))\n    return pooled\n", 4),
    # a module called under autocast, writing through a mask its caller builds
    ("import torch\nimport torch.nn as nn\n\nclass Refiner(nn.Module):\n    def __init__(self, d):\n"
     "        super().__init__()\n        self.fix = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))\n\n"
     "    def forward(self, boxes, bad):\n        out = torch.empty(boxes.shape, device=boxes.device)\n"
     "        out[~bad] = boxes[~bad]\n        out[bad] = self.fix(boxes[bad])\n        return out\n\n"
     "ref = Refiner(4)\nboxes = torch.randn(20, 4)\nbad = boxes[:, 0] < 0\n"
     "with torch.autocast(device_type=\"cpu\", dtype=torch.bfloat16):\n    y = ref(boxes, bad)\n", 12),
    # a training loop: a memory bank filled by a mask from the encoder's output
    ("import torch\nimport torch.nn as nn\nencoder = nn.Linear(128, 64)\nbank = torch.zeros(256, 64)\n"
     "for feats, labels in loader:\n    with torch.autocast(device_type=\"cuda\"):\n        emb = encoder(feats)\n"
     "        keep = labels == 1\n        bank[keep] = emb[keep]\n", 9),
]



AUTOCAST_QUIET = [
    # the buffer follows the output's dtype
    ("def readout(self, h, idx, n):\n    with torch.autocast(\"cuda\", dtype=torch.float16):\n        s = self.score(h)\n"
     "        pooled = torch.zeros(n, s.size(1), dtype=s.dtype, device=h.device)\n        pooled.index_add_(0, idx, s)\n"
     "    return pooled\n"),
    ("def readout(self, h, idx, n):\n    with torch.autocast(\"cuda\"):\n        s = self.score(h)\n"
     "        pooled = s.new_zeros(n, s.size(1))\n        pooled.index_add_(0, idx, s)\n    return pooled\n"),
    # the value cast at the write
    ("def readout(self, h, idx, n):\n    with torch.autocast(\"cuda\"):\n        pooled = torch.zeros(n, 8)\n"
     "        pooled.index_add_(0, idx, self.score(h).float())\n    return pooled\n"),
    # slice and integer writes cast
    ("import torch\nimport torch.nn as nn\nproj = nn.Linear(8, 8)\nx = torch.randn(4, 8)\n"
     "with torch.autocast(\"cpu\", dtype=torch.bfloat16):\n    out = torch.zeros(6, 8)\n    out[0:4] = proj(x)\n"
     "    for i in range(4):\n        out[i] = proj(x[i])\n"),
    # autocast switched off, or none at all
    ("import torch\nimport torch.nn as nn\nproj = nn.Linear(8, 8)\nx = torch.randn(4, 8)\nm = x[:, 0] > 0\n"
     "with torch.autocast(\"cpu\", enabled=False):\n    out = torch.zeros(4, 8)\n    out[m] = proj(x[m])\n"),
    ("import torch\nimport torch.nn as nn\nproj = nn.Linear(8, 8)\nx = torch.randn(4, 8)\nm = x[:, 0] > 0\n"
     "out = torch.zeros(4, 8)\nout[m] = proj(x[m])\n"),
    # a stack that ends in LayerNorm gives float32 under autocast
    ("import torch\nimport torch.nn as nn\nblock = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8))\nx = torch.randn(4, 8)\n"
     "m = x[:, 0] > 0\nwith torch.autocast(\"cpu\", dtype=torch.bfloat16):\n    out = torch.zeros(4, 8)\n    out[m] = block(x[m])\n"),
]


DETECTED = {"bce-target-size-mismatch": (BCE_FIRES, BCE_QUIET), "cross-entropy-sequence-target": (CE_FIRES, CE_QUIET),
            "autocast-uncovered-op-dtype": (AUTOCAST_FIRES, AUTOCAST_QUIET)}


@pytest.mark.parametrize("detector, source, line", [
    (detector, source, line) for detector, (fires, _) in DETECTED.items() for source, line in fires])
def test_the_situation_fires_where_it_is(detector, source, line):
    assert lines(detector, source) == [line]


@pytest.mark.parametrize("detector, source", [
    (detector, source) for detector, (_, quiet) in DETECTED.items() for source in quiet])
def test_the_correct_look_alike_is_quiet(detector, source):
    assert lines(detector, source) == []
