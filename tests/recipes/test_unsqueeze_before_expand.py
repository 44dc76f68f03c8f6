from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import unsqueeze_before_expand as recipe

TOKEN_WEIGHTS = '''\
import torch
import torch.nn.functional as F


def weighted_token_loss(logits, targets, sample_weight):
    """Cross-entropy per token, each sample weighted as a whole."""
    B, T, V = logits.shape
    per_token = F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T), reduction="none").view(B, T)
    token_weight = sample_weight.expand(B, T)
    return (per_token * token_weight).sum() / token_weight.sum()


logits = torch.randn(4, 6, 11, requires_grad=True)
targets = torch.randint(0, 11, (4, 6))
weights = torch.tensor([1.0, 0.5, 2.0, 0.0])
loss = weighted_token_loss(logits, targets, weights)
loss.backward()
'''

MEANT = '''
per_token = F.cross_entropy(logits.reshape(24, 11), targets.reshape(24), reduction="none").view(4, 6)
expected = (per_token * weights[:, None]).sum() / (weights.sum() * 6)
assert torch.allclose(loss, expected)
'''

SQUEEZE_EXCITE = '''\
import torch
from torch import nn


class SqueezeExcite(nn.Module):
    def __init__(self, channels, reduction=4):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(channels, channels // reduction), nn.ReLU(),
                                nn.Linear(channels // reduction, channels), nn.Sigmoid())

    def forward(self, x):
        gate = self.fc(x.mean(dim=(2, 3)))          # [N, C]
        return x * gate.expand_as(x)


se = SqueezeExcite(8)
feat = torch.randn(2, 8, 5, 5)
out = se(feat)
'''


def test_a_per_sample_weight_is_stretched_along_time(sandbox):
    patched = patch(recipe, TOKEN_WEIGHTS, sandbox.facts(TOKEN_WEIGHTS, "RuntimeError"))
    assert "token_weight = sample_weight.unsqueeze(-1).expand(B, T)" in patched
    sandbox.assert_clean(patched + MEANT)


def test_channel_gates_cover_every_pixel(sandbox):
    patched = patch(recipe, SQUEEZE_EXCITE, sandbox.facts(SQUEEZE_EXCITE, "RuntimeError"))
    assert "return x * gate.unsqueeze(-1).unsqueeze(-1).expand_as(x)" in patched
    check = "gate = se.fc(feat.mean(dim=(2, 3)))\nassert torch.allclose(out[1, 3], feat[1, 3] * gate[1, 3])\n"
    sandbox.assert_clean(patched + check)


def test_an_ambiguous_axis_is_left_alone():
    facts = Facts("RuntimeError", "The expanded size of the tensor (6) must match the existing size (4) at "
                                  "non-singleton dimension 2.  Target sizes: [4, 4, 6].  Tensor sizes: [4]", line=1)
    assert not applies(recipe, "y = w.expand(4, 4, 6)\n", facts)
    assert applies(recipe, "y = w.expand(4, 6)\n", Facts("RuntimeError", facts.message.replace(
        "dimension 2.  Target sizes: [4, 4, 6]", "dimension 1.  Target sizes: [4, 6]"), line=1))
