"""gpu-checkpoint-without-map-location: a GPU-saved checkpoint loaded on a machine without one."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

NAME = "gpu-checkpoint-without-map-location"


def test_a_checkpoint_saved_on_gpu_loaded_without_map_location_on_a_cpu_only_machine_fires():
    source = ("import torch\n\n# weights were saved by the training job on 4 GPUs\n"
              "# this demo runs on a CPU-only box\nstate = torch.load('ckpt/epoch_40.pt')\nnet.load_state_dict(state)\n")
    assert lines(NAME, source) == [5]


@pytest.mark.parametrize("source", [
    # map_location given; the code handles devices itself; the comments do not say both things
    "# trained on GPU, served on a CPU-only box\nstate = torch.load('w.pt', map_location='cpu')\n",
    "# trained on GPU, served on a CPU-only box\ndevice = 'cuda' if torch.cuda.is_available() else 'cpu'\n"
    "state = torch.load('w.pt')\n",
    "# trained on GPU\nstate = torch.load('w.pt')\n",
    "# no GPU here\nstate = torch.load('w.pt')\n",
])
def test_a_load_with_map_location_or_without_both_statements_is_quiet(source):
    assert lines(NAME, source) == []
