from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import fold_mask_heads as recipe

EXTENDED_MASK = '''\
import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size=40, hidden=16, n_heads=4):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden)
        block = nn.TransformerEncoderLayer(hidden, n_heads, 32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(block, 2, enable_nested_tensor=False)

    def forward(self, input_ids, attention_mask):
        extended = (1.0 - attention_mask[:, None, None, :].float()) * -1e9   # Hugging Face style
        return self.encoder(self.embed(input_ids), mask=extended)


torch.manual_seed(0)
ids = torch.randint(1, 40, (3, 6))
am = torch.ones(3, 6, dtype=torch.long)
am[1, 4:] = 0
am[2, 2:] = 0
model = TextClassifier()
hidden = model(ids, am)
'''

SAME_KEYS_IGNORED = '''
reference = model.encoder(model.embed(ids), src_key_padding_mask=am == 0)
assert torch.allclose(hidden, reference, atol=1e-4)
'''

PER_HEAD = '''\
import torch
from torch import nn

B, L, D, H = 2, 5, 8, 2
mha = nn.MultiheadAttention(embed_dim=D, num_heads=H, batch_first=True)
x = torch.randn(B, L, D)
causal = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
local = (torch.arange(L)[:, None] - torch.arange(L)[None, :]).abs() > 1
mask = torch.stack([causal, causal | local]).unsqueeze(0).expand(B, -1, -1, -1)   # [B, H, L, L]
out, weights = mha(x, x, x, attn_mask=mask, average_attn_weights=False)
'''

OPTIONAL_MASK = '''\
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)

    def forward(self, x, mask=None):
        y, _ = self.attn(x, x, x, attn_mask=mask)
        return y


blk = Block(12, 3)
seq = torch.randn(3, 6, 12)
keep = torch.arange(6)[None, :] < torch.tensor([6, 4, 2])[:, None]
masked = blk(seq, mask=torch.zeros(3, 6).masked_fill(~keep, float("-inf")).view(3, 1, 1, 6))
'''


def test_hugging_face_mask_ignores_the_padded_keys(sandbox):
    patched = patch(recipe, EXTENDED_MASK, sandbox.facts(EXTENDED_MASK, "AssertionError"))
    assert "mask=extended.expand(-1, 4, extended.size(-1), -1).flatten(0, 1))" in patched
    sandbox.assert_clean(patched + SAME_KEYS_IGNORED)


def test_each_head_keeps_its_own_mask(sandbox):
    patched = patch(recipe, PER_HEAD, sandbox.facts(PER_HEAD, "AssertionError"))
    assert "attn_mask=mask.expand(-1, 2, x.size(1), -1).flatten(0, 1)," in patched
    sandbox.assert_clean(patched + "assert weights.shape == (B, H, L, L) and (weights[mask] == 0).all()\n")


def test_a_mask_that_may_be_absent_stays_absent(sandbox):
    patched = patch(recipe, OPTIONAL_MASK, sandbox.facts(OPTIONAL_MASK, "AssertionError"))
    assert "attn_mask=None if mask is None else mask.expand(-1, 3, x.size(1), -1).flatten(0, 1))" in patched
    check = "assert blk(seq).shape == (3, 6, 12) and torch.allclose(masked[0], blk(seq)[0], atol=1e-5)\n"
    sandbox.assert_clean(patched + check)


def test_only_a_four_dimensional_mask():
    three_d = Facts("RuntimeError", "The shape of the 3D attn_mask is torch.Size([2, 5, 5]), but should be (4, 5, 5).",
                    line=10)
    assert not applies(recipe, PER_HEAD, three_d)
