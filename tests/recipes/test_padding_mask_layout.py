from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import padding_mask_layout as recipe

SEQUENCE_FIRST_MEMORY = '''\
import torch
import torch.nn as nn

torch.manual_seed(3)


class Decoder(nn.Module):
    def __init__(self, d_model=32, nhead=8):
        super().__init__()
        self.layer = nn.TransformerDecoderLayer(d_model, nhead, batch_first=True, dropout=0.0)
        self.proj = nn.Linear(d_model, 10)

    def forward(self, tgt, memory, memory_pad):
        T = tgt.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        h = self.layer(tgt, memory, tgt_mask=causal, memory_key_padding_mask=memory_pad)
        return self.proj(h)


dec = Decoder()
tgt = torch.randn(2, 5, 32)
memory = torch.randn(2, 8, 32)
memory_pad = torch.zeros(8, 2, dtype=torch.bool)   # [S, N], laid out like seq-first data
memory_pad[6:, 1] = True
logits = dec(tgt, memory, memory_pad)
'''

MEANT_MEMORY = '''
changed = memory.clone()
changed[1, 6:] += 100.0   # padded keys of sample 1: must not change anything
assert torch.allclose(dec(tgt, changed, memory_pad), logits, atol=1e-5)
assert logits.shape == (2, 5, 10)
'''

TRAILING_AXIS = '''\
import torch
import torch.nn as nn

torch.manual_seed(6)
model = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                       dim_feedforward=32, batch_first=True, dropout=0.0)
src = torch.randn(3, 9, 16)
tgt = torch.randn(3, 4, 16)
src_pad = torch.zeros(3, 9, dtype=torch.bool)
src_pad[0, 7:] = True
tgt_mask = model.generate_square_subsequent_mask(4)
out = model(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=src_pad.unsqueeze(-1))
'''

MEANT_TRAILING = '''
reference = model(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=src_pad)
assert torch.allclose(out, reference) and out.shape == (3, 4, 16)
'''

ENCODER_POSITIONAL = '''\
import torch
from torch import nn

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(12, 3, dim_feedforward=24, dropout=0.0)
x = torch.randn(6, 2, 12)                           # [S, N, E]
pad = torch.zeros(2, 6, dtype=torch.bool)
pad[1, 4:] = True
y = layer(x, None, pad[:, None, :])
'''


def test_sequence_first_padding_mask_is_transposed(sandbox):
    patched = patch(recipe, SEQUENCE_FIRST_MEMORY, sandbox.facts(SEQUENCE_FIRST_MEMORY, "AssertionError"))
    assert "tgt_mask=causal, memory_key_padding_mask=memory_pad.t())" in patched
    sandbox.assert_clean(patched + MEANT_MEMORY)


def test_singleton_axis_is_flattened_away(sandbox):
    patched = patch(recipe, TRAILING_AXIS, sandbox.facts(TRAILING_AXIS, "AssertionError"))
    assert "src_key_padding_mask=src_pad.unsqueeze(-1).flatten(1))" in patched
    sandbox.assert_clean(patched + MEANT_TRAILING)


def test_positional_padding_mask_of_an_encoder_layer(sandbox):
    patched = patch(recipe, ENCODER_POSITIONAL, sandbox.facts(ENCODER_POSITIONAL, "AssertionError"))
    assert "y = layer(x, None, pad[:, None, :].flatten(1))" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(y, layer(x, src_key_padding_mask=pad))\n")


def test_not_for_a_mask_of_the_wrong_length():
    length = Facts("AssertionError", "Expected key_padded_mask.shape[1] to be 6, but got 8", line=10, lines=(10,))
    assert not applies(recipe, ENCODER_POSITIONAL, length)


def test_a_transposed_mask_is_not_transposed_back():
    code = ("import torch\nmha = torch.nn.MultiheadAttention(8, 2, batch_first=True)\n"
            "out, _ = mha(x, x, x, key_padding_mask=pad.t())\n")
    facts = Facts("AssertionError", "Expected key_padded_mask.shape[0] to be 3, but got 6", line=3, lines=(3,))
    assert applies(recipe, code.replace("pad.t()", "pad"), facts)
    assert not applies(recipe, code, facts)
