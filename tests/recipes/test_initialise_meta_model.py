from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import initialise_meta_model as recipe

TRAINER = '''\
import numpy as np
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, lr=0.05):
        torch.manual_seed(0)
        with torch.device("meta"):
            self.model = nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(40, 1))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)

    def weight_stats(self):
        return np.histogram(self.model[-1].weight.detach().numpy(), bins=4)


trainer = Trainer()
print(trainer.weight_stats())
'''

HEAD = '''\
import torch
from torch import nn


def make_head(dim, n_cls):
    return nn.Linear(dim, n_cls, device="meta")


torch.manual_seed(0)
head = make_head(7, 3)
scale = head.weight.abs().max().item()
'''

BUFFERED = '''\
import torch
import torch.nn as nn


class Positional(nn.Module):
    def __init__(self, length, width):
        super().__init__()
        self.proj = nn.Linear(width, width)
        self.register_buffer("table", torch.arange(length * width, dtype=torch.float32).view(length, width))

    def forward(self, x):
        return self.proj(x + self.table)


with torch.device("meta"):
    layer = Positional(5, 4)
print(layer.proj.weight.detach().numpy())
'''


def test_a_trainers_meta_model_starts_from_the_eager_initialisation(sandbox):
    patched = patch(recipe, TRAINER, sandbox.facts(TRAINER, "TypeError"))
    assert '        self.model.to_empty(device="cpu")\n' in patched
    sandbox.assert_clean(patched + (
        "torch.manual_seed(0)\n"
        "eager = nn.Sequential(nn.Conv1d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(40, 1))\n"
        "assert not any(p.is_meta for p in trainer.model.parameters())\n"
        "for mine, meant in zip(trainer.model.parameters(), eager.parameters()):\n"
        "    assert torch.equal(mine, meant)\n"
        "assert trainer.opt.param_groups[0]['params'][0] is trainer.model[0].weight\n"))


def test_a_meta_layer_from_a_helper_is_initialised_where_it_is_used(sandbox):
    patched = patch(recipe, HEAD, sandbox.facts(HEAD, "RuntimeError"))
    assert 'head = make_head(7, 3)\nhead.to_empty(device="cpu")\n' in patched
    sandbox.assert_clean(patched + (
        "torch.manual_seed(0)\n"
        "assert scale == nn.Linear(7, 3).weight.abs().max().item()\n"))


def test_buffers_computed_in_init_are_not_left_as_garbage(sandbox):
    assert not applies(recipe, BUFFERED, sandbox.facts(BUFFERED, "TypeError"))


def test_a_model_loaded_from_a_checkpoint_is_left_to_the_assigning_load(sandbox):
    loaded = HEAD.replace("head = make_head(7, 3)\n", "head = make_head(7, 3)\nhead.load_state_dict(nn.Linear(7, 3).state_dict())\n")
    assert not applies(recipe, loaded, sandbox.facts(loaded, "RuntimeError"))
