from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import divisible_heads as recipe

ARGPARSE_ENCODER = '''\
import argparse
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--d-model", type=int, default=100)
parser.add_argument("--heads", type=int, default=8)
args = parser.parse_args([])


class SensorEncoder(nn.Module):
    def __init__(self, channels, d_model, heads):
        super().__init__()
        self.proj = nn.Linear(channels, d_model)
        layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=args.heads, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)

    def forward(self, x):
        return self.encoder(self.proj(x))


model = SensorEncoder(6, args.d_model, args.heads)
out = model(torch.randn(4, 30, 6))
'''

ATTENTION_POOL = '''\
import torch
from torch import nn

WIDTH, HEADS = 48, 5
attn = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
x = torch.randn(2, 7, WIDTH)
pooled, _ = attn(x, x, x)
'''


def test_largest_dividing_head_count_from_an_argparse_default(sandbox):
    patched = patch(recipe, ARGPARSE_ENCODER, sandbox.facts(ARGPARSE_ENCODER, "AssertionError"))
    assert "layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=5, batch_first=True)" in patched
    check = "assert out.shape == (4, 30, 100) and model.encoder.layers[0].self_attn.num_heads == 5\n"
    sandbox.assert_clean(patched + check)


def test_module_constants(sandbox):
    patched = patch(recipe, ATTENTION_POOL, sandbox.facts(ATTENTION_POOL, "AssertionError"))
    assert "attn = nn.MultiheadAttention(WIDTH, 4, batch_first=True)" in patched
    sandbox.assert_clean(patched + "assert pooled.shape == (2, 7, WIDTH) and attn.head_dim == 12\n")


def test_unknown_sizes_are_left_alone():
    facts = Facts("AssertionError", "embed_dim must be divisible by num_heads", line=2)
    assert not applies(recipe, "import torch.nn as nn\nattn = nn.MultiheadAttention(cfg.width, cfg.heads)\n", facts)
