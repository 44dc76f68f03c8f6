"""drop-added-positions: a model that concatenates learned positions to the sequence returns
more positions than the per-token mask built from its input; the added ones are dropped where
the mask selects. The situation in other shapes than a CLS token before a Transformer encoder:
- several prompt tokens (`nn.Parameter(torch.zeros(1, N_PROMPT, D))`, repeated per batch)
  before a GRU, the mask used in the same function as the model call;
- a summary token appended after the sequence (`torch.cat([x, summary], dim=1)`), the output
  handed to a loss helper as a parameter.
Look-alikes left alone: a model that concatenates two views of its input, a learned block of
another length than the error's surplus, an indexed tensor that no model made.
"""

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import drop_added_positions as recipe

PROMPT_TOKENS = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
PAD, VOCAB, D, N_PROMPT, LABELS = 0, 30, 8, 4, 3


class PromptTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D, padding_idx=PAD)
        self.prompt = nn.Parameter(torch.zeros(1, N_PROMPT, D))
        self.rnn = nn.GRU(D, D, batch_first=True)
        self.head = nn.Linear(D, LABELS)

    def forward(self, tokens):
        h = self.embed(tokens)
        h = torch.cat((self.prompt.repeat(h.size(0), 1, 1), h), 1)
        out, _ = self.rnn(h)
        return self.head(out)


model = PromptTagger()
tokens = torch.randint(1, VOCAB, (3, 7))
tokens[0, 5:] = PAD
labels = torch.randint(0, LABELS, (3, 7))
logits = model(tokens)
keep = tokens != PAD
loss = F.cross_entropy(logits[keep], labels[keep])
'''

PROMPTS_DROPPED = '''
with torch.no_grad():
    expected = F.cross_entropy(model(tokens)[:, N_PROMPT:][keep], labels[keep])
assert logits.shape == (3, 7 + N_PROMPT, LABELS)
assert torch.allclose(loss, expected)
'''


def test_prompt_tokens_before_the_sequence_are_dropped_from_the_output(sandbox):
    patched = patch(recipe, PROMPT_TOKENS, sandbox.facts(PROMPT_TOKENS, "IndexError"))
    assert "loss = F.cross_entropy(logits[:, 4:][keep], labels[keep])" in patched
    sandbox.assert_clean(patched + PROMPTS_DROPPED)


SUMMARY_AFTER = '''\
import torch
import torch.nn as nn

torch.manual_seed(1)
PAD, VOCAB, D = 0, 20, 6


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.summary = nn.Parameter(torch.randn(1, 1, D) * 0.1)
        self.score = nn.Linear(D, 1)

    def forward(self, ids):
        x = self.embed(ids)
        summary = self.summary.expand(x.size(0), -1, -1)
        x = torch.cat([x, summary], dim=1)
        return self.score(x).squeeze(-1)


def token_error(scores, ids, targets):
    real = ids != PAD
    return ((scores[real] - targets[real]) ** 2).mean()


def run():
    model = Scorer()
    ids = torch.randint(1, VOCAB, (2, 5))
    ids[1, 3:] = PAD
    targets = torch.rand(2, 5)
    scores = model(ids)
    return model, ids, targets, token_error(scores, ids, targets)


model, ids, targets, error = run()
'''

SUMMARY_DROPPED = '''
with torch.no_grad():
    per_token = model(ids)[:, :-1]
real = ids != PAD
assert torch.allclose(error, ((per_token[real] - targets[real]) ** 2).mean())
'''


def test_a_summary_token_after_the_sequence_is_dropped_in_the_loss_helper(sandbox):
    patched = patch(recipe, SUMMARY_AFTER, sandbox.facts(SUMMARY_AFTER, "IndexError"))
    assert "    return ((scores[:, :-1][real] - targets[real]) ** 2).mean()" in patched
    sandbox.assert_clean(patched + SUMMARY_DROPPED)


def surplus(line: int, extra: int = 1) -> Facts:
    return Facts("IndexError", f"The shape of the mask [2, 5] at index 1 does not match the shape of the indexed "
                               f"tensor [2, {5 + extra}, 3] at index 1", line=line, lines=(line,))


MODEL = '''\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cls = nn.Parameter(torch.zeros(1, 1, 3))

    def forward(self, x):
        return torch.cat([BLOCK, x], dim=1)


net = Net()
out = net(x)
picked = out[mask]
'''


def test_only_a_learned_block_of_the_surplus_length_is_dropped():
    learned = MODEL.replace("BLOCK", "self.cls.expand(x.size(0), -1, -1)")
    assert applies(recipe, learned, surplus(16))
    assert not applies(recipe, learned, surplus(16, extra=2)), "the block holds 1 position, the surplus is 2"
    assert not applies(recipe, MODEL.replace("BLOCK", "x.flip(1)"), surplus(16)), "two views of the input"
    assert not applies(recipe, learned.replace("out = net(x)", "out = torch.randn(2, 6, 3)"), surplus(16)), \
        "no model made the indexed tensor"
