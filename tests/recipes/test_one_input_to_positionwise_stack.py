from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import one_input_to_positionwise_stack as recipe

MASKED_BLOCK = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class PaddedAttention(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.score = nn.Linear(width, width)

    def forward(self, h, pad):
        scores = self.score(h) @ h.transpose(1, 2)
        weights = scores.masked_fill(pad[:, None, :], float("-inf")).softmax(-1)
        return weights @ h


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attend = PaddedAttention(width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.ReLU(), nn.Dropout(0.0), nn.Linear(2 * width, width))

    def forward(self, h, pad):
        h = h + self.attend(self.norm1(h), pad)
        h = h + self.mlp(self.norm2(h), pad)
        return h


block = Block(8)
tokens = torch.randn(3, 6, 8)
pad = torch.zeros(3, 6, dtype=torch.bool)
pad[0, 4:] = True
out = block(tokens, pad)
'''

# The feed-forward stack runs on each position; the mask still shapes the attention.
MEANT = '''
h = tokens + block.attend(block.norm1(tokens), pad)
assert torch.allclose(out, h + block.mlp(block.norm2(h)))
changed = pad.clone()
changed[1, 5] = True
assert not torch.allclose(block(tokens, changed)[1], out[1])
'''


def test_the_mask_a_block_shares_is_not_handed_to_its_positionwise_stack(sandbox):
    patched = patch(recipe, MASKED_BLOCK, sandbox.facts(MASKED_BLOCK, "TypeError"))
    assert "        h = h + self.mlp(self.norm2(h))\n" in patched
    assert "        h = h + self.attend(self.norm1(h), pad)\n" in patched
    sandbox.assert_clean(patched + MEANT)


LIBRARY_ATTENTION = '''\
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.inner = nn.MultiheadAttention(width, heads, batch_first=True)

    def forward(self, x, padding):
        return self.inner(x, x, x, key_padding_mask=padding, need_weights=False)[0]


class EncoderLayer(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.attention = Attention(width, 2)
        self.feed_forward = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.GELU())

    def forward(self, x, padding):
        x = self.attention(x, padding)
        return self.feed_forward(x, padding)


layer = EncoderLayer(4)
x = torch.randn(2, 5, 4)
padding = torch.tensor([[False] * 5, [False, False, False, True, True]])
y = layer(x, padding)
'''


def test_a_mask_the_attention_passes_on_as_key_padding_mask(sandbox):
    patched = patch(recipe, LIBRARY_ATTENTION, sandbox.facts(LIBRARY_ATTENTION, "TypeError"))
    assert "        return self.feed_forward(x)\n" in patched
    check = "assert torch.allclose(y, layer.feed_forward(layer.attention(x, padding)))\n"
    sandbox.assert_clean(patched + check)


MLP_LINE = MASKED_BLOCK.splitlines().index("        h = h + self.mlp(self.norm2(h), pad)") + 1
FACTS = Facts("TypeError", "Sequential.forward() takes 2 positional arguments but 3 were given",
              values={"expected": "2", "given": "3"}, line=MLP_LINE, lines=(MLP_LINE,))


def test_a_mask_no_other_module_uses_is_left_alone():
    pooled = ('import torch\nimport torch.nn as nn\n\nencoder = nn.Sequential(nn.Linear(16, 32), nn.ReLU())\n'
              'x, mask = torch.randn(4, 10, 16), torch.ones(4, 10)\nh = encoder(x, mask)\n')
    assert not applies(recipe, pooled, Facts("TypeError", FACTS.message, values=FACTS.values, line=6, lines=(6,)))


def test_a_condition_the_attention_adds_is_left_alone():
    conditioned = MASKED_BLOCK.replace(
        'weights = scores.masked_fill(pad[:, None, :], float("-inf")).softmax(-1)',
        "weights = (scores + pad[:, None, :]).softmax(-1)")
    assert not applies(recipe, conditioned, FACTS)
    assert applies(recipe, MASKED_BLOCK, FACTS)


def test_a_stack_that_mixes_positions_is_left_alone():
    convolved = MASKED_BLOCK.replace("nn.Sequential(nn.Linear(width, 2 * width), nn.ReLU(),",
                                     "nn.Sequential(nn.Conv1d(width, 2 * width, 3), nn.ReLU(),")
    assert not applies(recipe, convolved, FACTS)
