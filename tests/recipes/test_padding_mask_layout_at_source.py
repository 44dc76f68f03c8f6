"""padding-mask-layout where a batch-first model gets a padding mask that was transposed where it
was made, and the mask has other users (pooling over the non-padded positions).

The situation: the (batch, S) mask `ids == PAD` is turned (S, batch) by a `.t()`/`.T`/
`.transpose(0, 1)` where it is built, so the attention rejects it; transposing again at the
attention call would leave the pooling with the wrong layout. The fix drops the transposition
where it was made. Shapes:
- a DataLoader's collate_fn builds it (`.transpose(0, 1)`), a TransformerEncoder stack gets it;
- the forward builds it from the token ids (`.T`) before MultiheadAttention;
- a helper function of the file returns it (`.t()`).
Left alone: a sequence-first attention (there the data is (S, batch) and the mask's other users
may want that layout: the call site gets `.t()`), and a mask made by a permute of more axes.
"""

from tests.recipes.kbfix import patch
from assistant.repair.recipes import padding_mask_layout as recipe

COLLATED = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

PAD = 0
torch.manual_seed(1)
samples = [([3, 4, 5], 1), ([6, 7], 0), ([8, 9, 10, 11], 1), ([2], 0)]


def pad_batch(batch):
    width = max(len(tokens) for tokens, _ in batch)
    padded = torch.tensor([tokens + [PAD] * (width - len(tokens)) for tokens, _ in batch])
    mask = padded.eq(PAD).transpose(0, 1)
    return padded, mask, torch.tensor([label for _, label in batch])


class Encoder(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.embed = nn.Embedding(20, width)
        layer = nn.TransformerEncoderLayer(width, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.out = nn.Linear(width, 2)

    def forward(self, tokens, mask):
        h = self.encoder(self.embed(tokens), src_key_padding_mask=mask)
        kept = (~mask).unsqueeze(-1).float()
        return self.out((h * kept).sum(1) / kept.sum(1))


model = Encoder()
for tokens, mask, labels in DataLoader(samples, batch_size=3, collate_fn=pad_batch):
    logits = model(tokens, mask)
'''

IN_FORWARD = '''\
import torch
from torch import nn


class Pool(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(30, 8, padding_idx=0)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, ids):
        x = self.embed(ids)
        pad = (ids == 0).T
        h, _ = self.attn(x, x, x, key_padding_mask=pad)
        return h.masked_fill(pad.unsqueeze(-1), 0.0).sum(1)


ids = torch.tensor([[5, 6, 7, 0, 0], [1, 2, 3, 4, 9], [8, 0, 0, 0, 0]])
pooled = Pool()(ids)
'''

FROM_HELPER = '''\
import torch
import torch.nn as nn

PAD = 0


def padding_of(ids):
    return (ids == PAD).t()


attn = nn.MultiheadAttention(12, 3, batch_first=True)
ids = torch.tensor([[4, 5, 0], [6, 7, 8], [9, 0, 0], [1, 2, 3]])
x = torch.randn(4, 3, 12)
pad = padding_of(ids)
h, _ = attn(x, x, x, key_padding_mask=pad)
mean = (h * (~pad).unsqueeze(-1)).sum(1) / (~pad).sum(1, keepdim=True)
'''


def test_transposition_in_a_collate_fn_is_dropped(sandbox):
    patched = patch(recipe, COLLATED, sandbox.facts(COLLATED, "AssertionError"))
    assert "    mask = padded.eq(PAD)\n" in patched and "src_key_padding_mask=mask)" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (1, 2) and mask.shape == (1, 1)\n")


def test_transposition_in_the_forward_is_dropped(sandbox):
    patched = patch(recipe, IN_FORWARD, sandbox.facts(IN_FORWARD, "AssertionError"))
    assert "        pad = (ids == 0)\n" in patched
    sandbox.assert_clean(patched + "assert pooled.shape == (3, 8)\n")


def test_transposition_in_a_helper_is_dropped(sandbox):
    patched = patch(recipe, FROM_HELPER, sandbox.facts(FROM_HELPER, "AssertionError"))
    assert "    return (ids == PAD)\n" in patched
    sandbox.assert_clean(patched + "assert mean.shape == (4, 12)\n")


def test_sequence_first_attention_gets_the_transposition_at_the_call(sandbox):
    source = (FROM_HELPER.replace("batch_first=True", "dropout=0.0")
              .replace("x = torch.randn(4, 3, 12)", "x = torch.randn(3, 4, 12)")
              .replace("(-1)).sum(1) / (~pad).sum(1, keepdim=True)", "(-1)).sum(0) / (~pad).sum(0).unsqueeze(-1)"))
    patched = patch(recipe, source, sandbox.facts(source, "AssertionError"))
    assert "    return (ids == PAD).t()\n" in patched and "key_padding_mask=pad.t())" in patched
    sandbox.assert_clean(patched + "assert mean.shape == (4, 12)\n")


def test_a_permute_of_more_axes_is_not_taken_for_a_swap(sandbox):
    source = FROM_HELPER.replace("(ids == PAD).t()", "(ids == PAD).unsqueeze(-1).permute(1, 0, 2).any(-1)")
    patched = patch(recipe, source, sandbox.facts(source, "AssertionError"))
    assert ".permute(1, 0, 2).any(-1)\n" in patched and "key_padding_mask=pad.t())" in patched
