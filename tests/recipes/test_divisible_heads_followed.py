"""divisible-heads where the width and head count come from where real code keeps them.

The situation: an attention layer is built with a head count that does not divide its width, and
both numbers are set away from the constructor. Shapes of it covered here:
- the argparse namespace handed back by a helper (`args = get_args()`), passed through a model's
  constructor parameters;
- a config dict (`CFG["heads"]`) read at the layer;
- a config class's attributes read through an instance (`cfg = Config()`).
Left alone: the same programs with sizes that divide, and a helper namespace the file cannot read.
"""

from tests.recipes.kbfix import applies, facts_on_line, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import divisible_heads as recipe

HELPER_NAMESPACE = '''\
import argparse
import torch
from torch import nn


def parse_options():
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=90)
    parser.add_argument("--heads", type=int, default=4)
    options = parser.parse_args([])
    return options


class Pool(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.query = nn.Parameter(torch.zeros(1, 1, width))
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)

    def forward(self, x):
        pooled, _ = self.attn(self.query.expand(len(x), -1, -1), x, x)
        return pooled.squeeze(1)


opts = parse_options()
pool = Pool(opts.width, opts.heads)
out = pool(torch.randn(3, 11, opts.width))
'''

CONFIG_DICT = '''\
import torch
import torch.nn as nn

CFG = {"d_model": 42, "nhead": 4, "layers": 1}


def build_encoder(cfg):
    layer = nn.TransformerEncoderLayer(cfg["d_model"], cfg["nhead"], batch_first=True)
    return nn.TransformerEncoder(layer, cfg["layers"], enable_nested_tensor=False)


encoder = build_encoder(CFG)
out = encoder(torch.randn(2, 5, CFG["d_model"]))
'''

CONFIG_CLASS = '''\
import torch
import torch.nn as nn


class Config:
    d_model = 60
    nhead = 8


cfg = Config()
layer = nn.TransformerEncoderLayer(d_model=cfg.d_model, nhead=cfg.nhead, batch_first=True)
out = layer(torch.randn(4, 6, cfg.d_model))
'''

FACTS = Facts("AssertionError", "embed_dim must be divisible by num_heads")


def test_namespace_handed_back_by_a_helper(sandbox):
    patched = patch(recipe, HELPER_NAMESPACE, sandbox.facts(HELPER_NAMESPACE, "AssertionError"))
    assert "self.attn = nn.MultiheadAttention(width, 3, batch_first=True)" in patched
    sandbox.assert_clean(patched + "assert out.shape == (3, 90) and pool.attn.head_dim == 30\n")


def test_config_dict(sandbox):
    patched = patch(recipe, CONFIG_DICT, sandbox.facts(CONFIG_DICT, "AssertionError"))
    assert 'nn.TransformerEncoderLayer(cfg["d_model"], 3, batch_first=True)' in patched
    sandbox.assert_clean(patched + "assert out.shape == (2, 5, 42)\n")


def test_config_class_attributes(sandbox):
    patched = patch(recipe, CONFIG_CLASS, sandbox.facts(CONFIG_CLASS, "AssertionError"))
    assert "nn.TransformerEncoderLayer(d_model=cfg.d_model, nhead=6, batch_first=True)" in patched
    sandbox.assert_clean(patched + "assert out.shape == (4, 6, 60) and layer.self_attn.num_heads == 6\n")


def _facts(source: str, text: str) -> Facts:
    return facts_on_line(source, text, FACTS.error_type, FACTS.message)


def test_sizes_that_divide_are_left_alone():
    for source, text in ((HELPER_NAMESPACE.replace("default=90", "default=92"), "MultiheadAttention("),
                         (CONFIG_DICT.replace('"d_model": 42', '"d_model": 44'), "TransformerEncoderLayer("),
                         (CONFIG_CLASS.replace("d_model = 60", "d_model = 64"), "TransformerEncoderLayer(")):
        assert not applies(recipe, source, _facts(source, text))


def test_a_namespace_the_file_does_not_build_is_left_alone():
    source = HELPER_NAMESPACE.replace("    options = parser.parse_args([])\n    return options\n",
                                      "    return load_options_from_disk()\n")
    assert not applies(recipe, source, _facts(source, "MultiheadAttention("))
