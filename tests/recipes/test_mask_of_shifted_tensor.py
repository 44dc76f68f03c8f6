from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import mask_of_shifted_tensor as recipe

CHAR_MODEL = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2)
PAD_ID, CHARS = 0, 20


class CharGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(CHARS, 24, padding_idx=PAD_ID)
        self.gru = nn.GRU(24, 24, batch_first=True)
        self.proj = nn.Linear(24, CHARS)

    def forward(self, chars):
        return self.proj(self.gru(self.embed(chars))[0])


def step_loss(net, chars):
    keep = chars != PAD_ID
    scores = net(chars[:, :-1])
    next_chars = chars[:, 1:]
    return F.cross_entropy(scores[keep], next_chars[keep])


net = CharGRU()
words = torch.tensor([[3, 4, 5, 6, 0, 0], [7, 8, 9, 10, 11, 12]])
loss = step_loss(net, words)
loss.backward()
'''

# The mask marks the real next characters: padded targets are left out of the loss.
REAL_TARGETS = '''
targets = words[:, 1:]
expected = F.cross_entropy(net(words[:, :-1])[targets != PAD_ID], targets[targets != PAD_ID])
assert torch.allclose(loss, expected)
'''


def test_the_mask_is_taken_from_the_shifted_targets(sandbox):
    patched = patch(recipe, CHAR_MODEL, sandbox.facts(CHAR_MODEL, "IndexError"))
    assert "    keep = chars[:, 1:] != PAD_ID\n" in patched
    sandbox.assert_clean(patched + REAL_TARGETS)


def test_no_match_without_a_shifted_twin():
    code = ("import torch\n\ndef pick(x, other):\n    keep = other > 0\n    return x[keep]\n\n"
            "pick(torch.ones(4, 3), torch.ones(5))\n")
    facts = Facts("IndexError", "The shape of the mask [5] at index 0 does not match the shape of the indexed "
                  "tensor [4, 3] at index 0", line=5, lines=(7, 5))
    assert not applies(recipe, code, facts)
