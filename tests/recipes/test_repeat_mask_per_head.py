from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import repeat_mask_per_head as recipe

PADDED_ENCODER = '''\
import torch
import torch.nn as nn

PAD = 0


class Classifier(nn.Module):
    def __init__(self, vocab=50, d_model=32, heads=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d_model, padding_idx=PAD)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, 2)

    def encode(self, ids):
        pad = ids.eq(PAD)
        per_sample = pad[:, None, :].expand(-1, ids.size(1), -1)   # [N, S, S], True = padding key
        return self.encoder(self.emb(ids), mask=per_sample)

    def forward(self, ids):
        return self.head(self.encode(ids)[:, 0])


torch.manual_seed(0)
ids = torch.randint(1, 50, (3, 8))
ids[1, 5:] = PAD
ids[2, 2:] = PAD
model = Classifier()
logits = model(ids)
logits.sum().backward()
'''

MEANT = '''
reference = model.encoder(model.emb(ids), src_key_padding_mask=ids.eq(PAD))
assert torch.allclose(model.encode(ids), reference, atol=1e-5)   # the same keys are ignored
'''

ATTENTION_WEIGHTS = '''\
import torch
from torch import nn

batch, length, width = 2, 6, 16
attn = nn.MultiheadAttention(width, num_heads=2, batch_first=True)
tokens = torch.randn(batch, length, width)
allowed = torch.rand(batch, length, length) > 0.3   # one structure per sample (a graph)
allowed |= torch.eye(length, dtype=torch.bool)
out, weights = attn(tokens, tokens, tokens, attn_mask=~allowed)
'''


def test_repeats_a_per_sample_mask_for_every_head(sandbox):
    patched = patch(recipe, PADDED_ENCODER, sandbox.facts(PADDED_ENCODER, "RuntimeError"))
    assert "return self.encoder(self.emb(ids), mask=per_sample.repeat_interleave(4, dim=0))" in patched
    sandbox.assert_clean(patched + MEANT)


def test_each_sample_keeps_its_own_structure(sandbox):
    patched = patch(recipe, ATTENTION_WEIGHTS, sandbox.facts(ATTENTION_WEIGHTS, "RuntimeError"))
    assert "attn_mask=(~allowed).repeat_interleave(2, dim=0))" in patched
    sandbox.assert_clean(patched + "assert (weights[~allowed] == 0).all() and weights.shape == (2, 6, 6)\n")


def test_only_a_mask_short_of_the_head_axis():
    two_d = Facts("RuntimeError", "The shape of the 2D attn_mask is torch.Size([2, 6]), but should be (6, 6).")
    other = Facts("RuntimeError", "The shape of the 3D attn_mask is torch.Size([4, 6, 6]), but should be (4, 8, 8).")
    assert not applies(recipe, ATTENTION_WEIGHTS, two_d)
    assert not applies(recipe, ATTENTION_WEIGHTS, other)
