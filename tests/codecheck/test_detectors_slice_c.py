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
