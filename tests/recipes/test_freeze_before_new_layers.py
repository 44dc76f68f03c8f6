from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import freeze_before_new_layers as recipe

NEW_CLASSIFIER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(12, 24), nn.ReLU())
        self.classifier = nn.Linear(24, 10)

    def forward(self, x):
        return self.classifier(self.features(x))


model = Backbone()
# fine-tune on a 3-class task
model.classifier = nn.Linear(24, 3)
for name, param in model.named_parameters():
    param.requires_grad = False

optimizer = torch.optim.Adam(model.classifier.parameters(), lr=1e-2)
frozen = model.features[0].weight.detach().clone()
x, y = torch.randn(32, 12), torch.randint(0, 3, (32,))
for epoch in range(5):
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# what was meant: only the new head trains
assert torch.equal(model.features[0].weight, frozen)
assert model.classifier.weight.requires_grad and model.classifier.weight.grad is not None
'''

FREEZE_HELPER = '''\
import torch
from torch import nn


def build():
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8))


def freeze(module):
    for p in module.parameters():
        p.requires_grad_(False)


def main():
    net = build()
    net[2] = nn.Linear(8, 2)      # new task head
    freeze(net)
    opt = torch.optim.SGD(net[2].parameters(), lr=0.1)
    loss = net(torch.randn(5, 4)).pow(2).mean()
    loss.backward()
    opt.step()
    assert not net[0].weight.requires_grad and net[2].weight.grad is not None


main()
'''


def test_freezes_before_the_new_head_is_assigned(sandbox):
    patched = patch(recipe, NEW_CLASSIFIER, sandbox.facts(NEW_CLASSIFIER, "RuntimeError"))
    assert ("# fine-tune on a 3-class task\nfor name, param in model.named_parameters():\n"
            "    param.requires_grad = False\nmodel.classifier = nn.Linear(24, 3)\n\noptimizer") in patched
    sandbox.assert_clean(patched)


def test_moves_a_call_of_a_freezing_helper(sandbox):
    patched = patch(recipe, FREEZE_HELPER, sandbox.facts(FREEZE_HELPER, "RuntimeError"))
    assert "    freeze(net)\n    net[2] = nn.Linear(8, 2)      # new task head\n    opt =" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_freeze_comes_first_or_keeps_layers_by_name():
    message = "element 0 of tensors does not require grad and does not have a grad_fn"
    facts = Facts("RuntimeError", message, line=6, lines=(6,))
    ordered = ("import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 2))\nfor p in model.parameters():\n"
               "    p.requires_grad = False\nmodel[0] = nn.Linear(2, 2)\nloss.backward()\n")
    assert not applies(recipe, ordered, facts)
    by_name = ("import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 2))\nmodel[0] = nn.Linear(2, 2)\n"
               "for n, p in model.named_parameters():\n    if 'fc' not in n:\n        p.requires_grad = False\n"
               "loss.backward()\n")
    assert not applies(recipe, by_name, Facts("RuntimeError", message, line=7, lines=(7,)))
