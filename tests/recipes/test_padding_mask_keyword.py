from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import padding_mask_keyword as recipe

POOLING = '''\
import torch
import torch.nn as nn


class AttentionPooling(nn.Module):
    """Pools a padded batch of vectors with one learned query."""

    def __init__(self, dim, heads=2):
        super().__init__()
        self.query = nn.Parameter(torch.randn(1, 1, dim))
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)

    def forward(self, items, lengths):
        padding = torch.arange(items.size(1))[None, :] >= lengths[:, None]   # [N, S]
        query = self.query.expand(items.size(0), -1, -1)
        pooled, weights = self.attn(query, items, items, attn_mask=padding)
        return pooled.squeeze(1), weights


pool = AttentionPooling(8)
items = torch.randn(3, 5, 8)
lengths = torch.tensor([5, 2, 4])
pooled, weights = pool(items, lengths)
'''

MEANT = '''
assert pooled.shape == (3, 8)
assert (weights[0, 0, :] > 0).all() and (weights[1, 0, 2:] == 0).all() and (weights[2, 0, 4:] == 0).all()
'''

ENCODER = '''\
import torch
from torch import nn

layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
ids = torch.tensor([[3, 4, 5, 0, 0], [6, 7, 0, 0, 0]])
x = nn.Embedding(10, 16)(ids)
out = layer(x, ids == 0)
'''


def test_a_batch_by_keys_mask_becomes_the_padding_mask(sandbox):
    patched = patch(recipe, POOLING, sandbox.facts(POOLING, "RuntimeError"))
    assert "pooled, weights = self.attn(query, items, items, key_padding_mask=padding)" in patched
    sandbox.assert_clean(patched + MEANT)


def test_a_positional_encoder_mask_moves_to_the_keyword(sandbox):
    patched = patch(recipe, ENCODER, sandbox.facts(ENCODER, "RuntimeError"))
    assert "out = layer(x, src_key_padding_mask=ids == 0)" in patched
    sandbox.assert_clean(patched + "assert out.shape == (2, 5, 16)\n")


def test_a_causal_mask_of_another_length_is_not_padding():
    facts = Facts("RuntimeError", "The shape of the 2D attn_mask is torch.Size([7, 7]), but should be (5, 5).")
    assert not applies(recipe, ENCODER, facts)
