from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import softmax_dim as recipe

ATTENTION_POOL = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

class AttentionPool(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, h):                               # h: [batch, seq, dim]
        weights = F.softmax(self.score(h).squeeze(-1))  # [batch, seq]
        return (weights.unsqueeze(-1) * h).sum(1)

pool = AttentionPool()
print(pool(torch.randn(3, 7, 16)).shape)
'''


def test_adds_dim_to_functional_softmax(sandbox):
    facts = sandbox.warning_facts(ATTENTION_POOL, "UserWarning")
    patched = patch(recipe, ATTENTION_POOL, facts)
    assert "weights = F.softmax(self.score(h).squeeze(-1), dim=-1)  # [batch, seq]" in patched
    sandbox.assert_clean(patched, without_warning="Implicit dimension choice")


def test_softmax_module_and_missing_dim_error(sandbox):
    broken = ("import torch\nhead = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LogSoftmax())\n"
              "x = torch.randn(2, 4)\np = torch.softmax(x)\nprint(head(x), p)\n")
    facts = sandbox.facts(broken, "TypeError")
    patched = patch(recipe, broken, facts)
    assert "torch.nn.LogSoftmax(dim=-1)" in patched and "p = torch.softmax(x, dim=-1)" in patched
    sandbox.assert_clean(patched, without_warning="Implicit dimension choice")


def test_segmentation_maps_use_the_channel_axis():
    code = "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 5, 1), nn.Softmax())\n"
    facts = Facts("UserWarning", "Implicit dimension choice for softmax has been deprecated. Change the call to "
                                 "include dim=X as an argument.")
    assert applies(recipe, code, facts)
    assert "nn.Softmax(dim=1)" in patch(recipe, code, facts)
