from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import transpose_around_batchnorm1d as recipe

GRU_TAGGER = '''\
import torch
import torch.nn as nn

class Tagger(nn.Module):
    def __init__(self, vocab=200, emb=16, hidden=24, tags=5):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.gru = nn.GRU(emb, hidden, batch_first=True)
        self.bn = nn.BatchNorm1d(hidden)   # normalise the GRU features
        self.out = nn.Linear(hidden, tags)

    def forward(self, ids):
        out, _ = self.gru(self.emb(ids))
        out = self.bn(out)
        return self.out(out)

model = Tagger()
scores = model(torch.randint(0, 200, (8, 15)))
scores.sum().backward()
'''

SEQUENTIAL = '''\
import torch
from torch import nn

net = nn.Sequential(nn.Embedding(300, 64), nn.BatchNorm1d(64), nn.Linear(64, 3))
logits = net(torch.randint(0, 300, (4, 10)))
print(logits.shape)
'''


def test_transposes_around_the_failing_norm_call(sandbox):
    facts = sandbox.facts(GRU_TAGGER, "RuntimeError")
    patched = patch(recipe, GRU_TAGGER, facts)
    assert "out = self.bn(out.transpose(1, 2)).transpose(1, 2)" in patched
    changed = [(a, b) for a, b in zip(GRU_TAGGER.splitlines(), patched.splitlines()) if a != b]
    assert len(changed) == 1 and len(patched.splitlines()) == len(GRU_TAGGER.splitlines())
    sandbox.assert_clean(patched)


def test_norm_inside_sequential_becomes_a_transposing_subclass(sandbox):
    facts = sandbox.facts(SEQUENTIAL, "RuntimeError")
    patched = patch(recipe, SEQUENTIAL, facts)
    assert "class SeqBatchNorm1d(nn.BatchNorm1d):" in patched
    assert "nn.Embedding(300, 64), SeqBatchNorm1d(64), nn.Linear(64, 3)" in patched
    sandbox.assert_clean(patched)


def test_matches_only_its_message_and_a_batchnorm1d():
    tree = (GRU_TAGGER)
    assert applies(recipe, tree, Facts("RuntimeError", "running_mean should contain 15 elements not 24"))
    assert not applies(recipe, tree, Facts("RuntimeError", "mat1 and mat2 shapes cannot be multiplied (4x3 and 5x6)"))
    assert not applies(recipe, ("x = 1\n"), Facts("RuntimeError", "running_mean should contain 1 elements not 2"))
