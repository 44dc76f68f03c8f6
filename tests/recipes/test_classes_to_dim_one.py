from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import classes_to_dim_one as recipe

LANGUAGE_MODEL = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
VOCAB, PAD = 12, 0


class TinyLM(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.head = nn.Linear(dim, VOCAB)

    def forward(self, tokens):
        states, _ = self.rnn(self.emb(tokens))
        return self.head(states)               # [batch, seq, vocab]


model = TinyLM()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
batch = torch.randint(1, VOCAB, (8, 21))
inputs, targets = batch[:, :-1], batch[:, 1:]
for step in range(3):
    logits = model(inputs)
    loss = F.cross_entropy(logits, targets, ignore_index=PAD)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The same loss as the usual flattened spelling: every token is scored against its own next token.
SAME_AS_FLATTENED = '''
assert torch.allclose(loss, F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=PAD))
'''

FRAME_TAGGER = '''\
import torch
from torch import nn

criterion = nn.CrossEntropyLoss()
frames = nn.Sequential(nn.Linear(40, 32), nn.ReLU(), nn.Linear(32, 6))


def train_step(features, labels):
    loss = criterion(frames(features), labels)
    loss.backward()
    return loss.item()


print(train_step(torch.randn(4, 50, 40), torch.randint(0, 6, (4, 50))))
'''


def test_the_loss_reads_the_classes_from_dim_one(sandbox):
    patched = patch(recipe, LANGUAGE_MODEL, sandbox.facts(LANGUAGE_MODEL, "RuntimeError"))
    assert "    loss = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=PAD)\n" in patched
    sandbox.assert_clean(patched + SAME_AS_FLATTENED)


def test_a_model_call_inside_the_loss_is_transposed(sandbox):
    patched = patch(recipe, FRAME_TAGGER, sandbox.facts(FRAME_TAGGER, "RuntimeError"))
    assert "    loss = criterion(frames(features).transpose(1, 2), labels)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_batch_sizes_differ():
    code = "import torch.nn.functional as F\nloss = F.cross_entropy(logits, targets)\n"
    facts = Facts("RuntimeError", "Expected target size [8, 12], got [4, 20]", line=2, lines=(2,))
    assert not applies(recipe, code, facts)
