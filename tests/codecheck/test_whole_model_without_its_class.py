"""whole-model-without-its-class: a whole pickled model loaded by a script that has no class for it."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

NAME = "whole-model-without-its-class"


@pytest.mark.parametrize("source, line", [
    ("import torch\n\nnet = torch.load('runs/final.pth', weights_only=False)\nnet.eval()\n"
     "print(net(torch.zeros(1, 8)))\n", 3),
    ("import sys\nimport numpy as np\nimport torch\n\ndef serve(path):\n"
     "    clf = torch.load(path, map_location='cpu', weights_only=False)\n"
     "    return clf(torch.from_numpy(np.zeros((1, 4), dtype=np.float32)))\n\nprint(serve(sys.argv[1]))\n", 6),
])
def test_a_whole_model_loaded_where_no_class_is_defined_or_imported_fires(source, line):
    assert lines(NAME, source) == [line]


@pytest.mark.parametrize("source", [
    # the class is defined here, or imported from the user's module, or may be a torchvision class
    "import torch\nimport torch.nn as nn\n\nclass Net(nn.Module):\n    pass\n\n"
    "net = torch.load('net.pth', weights_only=False)\nnet.eval()\n",
    "import torch\nfrom models import Net\n\nnet = torch.load('net.pth', weights_only=False)\nnet.eval()\n",
    "import torch\nimport torchvision\n\nnet = torch.load('resnet.pth', weights_only=False)\nnet.eval()\n",
    # weights, not a model; a fragment whose imports are not shown
    "import torch\n\nstate = torch.load('net.pth', weights_only=False)\nprint(state['epoch'])\n",
    "import torch\n\nnet = torch.load('net.pth')\nnet.eval()\n",
    "net = torch.load(path, weights_only=False)\nnet.eval()\nout = net(batch)\n",
])
def test_a_script_that_may_hold_the_class_or_loads_no_model_is_quiet(source):
    assert lines(NAME, source) == []
