from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import attention_width_of_features as recipe

BIDIRECTIONAL = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
VOCAB, EMB, HIDDEN, HEADS, CLASSES = 300, 32, 48, 4, 4


class ReviewTagger(nn.Module):
    """A BiLSTM reads the tokens; self-attention mixes its states; a tagger labels each token."""

    def __init__(self, hidden=HIDDEN):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMB)
        self.rnn = nn.LSTM(EMB, hidden, batch_first=True, bidirectional=True)
        self.attn = nn.MultiheadAttention(hidden, HEADS, batch_first=True)
        self.norm = nn.LayerNorm(2 * hidden)
        self.out = nn.Linear(2 * hidden, CLASSES)

    def forward(self, ids):
        states, _ = self.rnn(self.embed(ids))          # [B, T, 2 * hidden]
        mixed, _ = self.attn(states, states, states)
        return self.out(self.norm(states + mixed))


model = ReviewTagger()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
ids, tags = torch.randint(0, VOCAB, (6, 14)), torch.randint(0, CLASSES, (6, 14))
logits = model(ids)
loss = nn.functional.cross_entropy(logits.reshape(-1, CLASSES), tags.reshape(-1))
loss.backward()
opt.step()
'''

MEANT = '''
assert model.attn.embed_dim == 2 * HIDDEN and model.norm.normalized_shape == (2 * HIDDEN,)
states, _ = model.rnn(model.embed(ids))
mixed, _ = model.attn(states, states, states)
assert torch.allclose(model(ids), model.out(model.norm(states + mixed)))
assert logits.shape == (6, 14, CLASSES)
'''

# the rest of the model is at the attention's width: the features are the odd ones out
MODEL_AT_EMBED_DIM = BIDIRECTIONAL.replace("nn.LayerNorm(2 * hidden)", "nn.LayerNorm(hidden)").replace(
    "nn.Linear(2 * hidden, CLASSES)", "nn.Linear(hidden, CLASSES)")


def test_attention_widened_to_the_features_its_readers_expect(sandbox):
    patched = patch(recipe, BIDIRECTIONAL, sandbox.facts(BIDIRECTIONAL, "AssertionError"))
    assert "self.attn = nn.MultiheadAttention(2 * hidden, HEADS, batch_first=True)" in patched
    sandbox.assert_clean(patched + MEANT)


def test_not_when_the_other_layers_are_at_the_attention_width(sandbox):
    assert not applies(recipe, MODEL_AT_EMBED_DIM, sandbox.facts(MODEL_AT_EMBED_DIM, "AssertionError"))



OPTIONS_FROM_A_HELPER = '''\
import argparse
import torch
import torch.nn as nn


def get_options(argv):
    parser = argparse.ArgumentParser(description="frame tagger")
    parser.add_argument("--n-mels", type=int, default=40)
    parser.add_argument("--attn-dim", type=int, default=32)
    parser.add_argument("--n-heads", type=int, default=4)
    return parser.parse_args(argv)


class FrameTagger(nn.Module):
    def __init__(self, opts, tags=3):
        super().__init__()
        self.mix = nn.MultiheadAttention(opts.attn_dim, opts.n_heads)
        self.norm = nn.LayerNorm(opts.n_mels)
        self.tag = nn.Linear(opts.n_mels, tags)

    def forward(self, frames):                  # [time, batch, n_mels]
        mixed, _ = self.mix(frames, frames, frames)
        return self.tag(self.norm(frames + mixed))


torch.manual_seed(0)
opts = get_options([])
tagger = FrameTagger(opts)
tags = tagger(torch.randn(25, 2, opts.n_mels))
'''


def test_sizes_read_from_options_a_helper_parses(sandbox):
    facts = sandbox.facts(OPTIONS_FROM_A_HELPER, "AssertionError")
    patched = patch(recipe, OPTIONS_FROM_A_HELPER, facts)
    assert "self.mix = nn.MultiheadAttention(opts.n_mels, opts.n_heads)" in patched
    sandbox.assert_clean(patched + "\nassert tags.shape == (25, 2, 3) and tagger.mix.embed_dim == opts.n_mels\n")
