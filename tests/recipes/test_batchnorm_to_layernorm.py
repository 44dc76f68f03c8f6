from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import batchnorm_to_layernorm as recipe

ONLINE_LEARNING = '''\
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 32), nn.BatchNorm1d(32, eps=1e-3), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
stream = [(torch.randn(1, 6), torch.randn(1, 1)) for _ in range(5)]   # one sample per update
for x, y in stream:
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

CONV_SINGLE = '''\
import torch
import torch.nn as nn

block = nn.Sequential(nn.Conv1d(2, 8, 3), nn.BatchNorm1d(8), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
signal = torch.randn(1, 2, 1 + 2)
print(block(signal).shape)
'''


def test_single_sample_training_gets_layernorm(sandbox):
    facts = sandbox.facts(ONLINE_LEARNING, "ValueError")
    patched = patch(recipe, ONLINE_LEARNING, facts)
    assert "nn.Linear(6, 32), nn.LayerNorm(32, eps=1e-3), nn.ReLU()" in patched
    sandbox.assert_clean(patched)


def test_conv_features_get_groupnorm(sandbox):
    facts = sandbox.facts(CONV_SINGLE, "ValueError")
    patched = patch(recipe, CONV_SINGLE, facts)
    assert "nn.GroupNorm(1, 8)" in patched
    sandbox.assert_clean(patched)


def test_channels_last_sequence_gets_layernorm_over_features(sandbox):
    broken = "import torch\nimport torch.nn as nn\nnorm = nn.BatchNorm1d(16)\nprint(norm(torch.randn(4, 9, 16)).shape)\n"
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert "norm = nn.LayerNorm(16)" in patched
    sandbox.assert_clean(patched)


def test_no_match_without_batchnorm():
    tree = ("import torch\n")
    assert not applies(recipe, tree, Facts("ValueError", "Expected more than 1 value per channel when training, "
                                                      "got input size torch.Size([1, 4])"))
