from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import loop_over_blocks as recipe

CONDITIONED_DENOISER = '''\
import torch
import torch.nn as nn


class FiLMBlock(nn.Module):
    """A residual MLP block scaled and shifted by the conditioning vector."""

    def __init__(self, width, cond_dim):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.film = nn.Linear(cond_dim, 2 * width)

    def forward(self, h, cond):
        scale, shift = self.film(cond).chunk(2, dim=-1)
        return h + torch.relu(self.fc(h) * (1 + scale) + shift)


class Denoiser(nn.Module):
    def __init__(self, dim=6, width=16, cond_dim=4):
        super().__init__()
        self.inp = nn.Linear(dim, width)
        self.blocks = nn.Sequential(FiLMBlock(width, cond_dim), FiLMBlock(width, cond_dim))
        self.head = nn.Linear(width, dim)

    def forward(self, x, cond):
        return self.head(self.blocks(self.inp(x), cond))


torch.manual_seed(0)
model = Denoiser()
x, cond = torch.randn(8, 6), torch.randn(8, 4)
noise = model(x, cond)
'''

# Each block gets the running activations and the same conditioning, in order; the parameters
# keep their names (blocks.0..., blocks.1...), so a checkpoint of this model still loads.
SAME_COMPUTATION = '''
h = model.inp(x)
for i in range(2):
    block = model.blocks[i]
    scale, shift = block.film(cond).chunk(2, dim=-1)
    h = h + torch.relu(block.fc(h) * (1 + scale) + shift)
assert noise.shape == (8, 6) and torch.allclose(noise, model.head(h))
assert "blocks.1.film.weight" in model.state_dict() and len(model.blocks) == 2
'''


def test_blocks_that_share_an_input_are_looped_over(sandbox):
    patched = patch(recipe, CONDITIONED_DENOISER, sandbox.facts(CONDITIONED_DENOISER, "TypeError"))
    assert "self.blocks = nn.ModuleList([FiLMBlock(width, cond_dim), FiLMBlock(width, cond_dim)])" in patched
    assert ("        hidden = self.inp(x)\n        for block in self.blocks:\n            hidden = block(hidden, cond)\n"
            "        return self.head(hidden)\n") in patched
    sandbox.assert_clean(patched + SAME_COMPUTATION)


def test_a_sequential_of_one_input_layers_is_left_alone():
    code = ("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.body = nn.Sequential(nn.Linear(4, 4), nn.ReLU())\n\n    def forward(self, x, mask):\n"
            "        return self.body(x, mask)\n")
    facts = Facts("TypeError", "Sequential.forward() takes 2 positional arguments but 3 were given",
                  line=10, lines=(10,))
    assert not applies(recipe, code, facts)
