from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import freeze_as_saved as recipe

FINE_TUNE_THEN_RESUME = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


def build():
    return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 2))


def freeze_encoder(net, frozen=True):
    for p in net[0].parameters():
        p.requires_grad_(not frozen)


def step(net, opt, x, y):
    loss = nn.functional.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


x, y = torch.randn(16, 6), torch.randint(0, 2, (16,))
net = build()
freeze_encoder(net)
opt = torch.optim.SGD(filter(lambda p: p.requires_grad, net.parameters()), lr=0.1, momentum=0.9)
step(net, opt, x, y)
saved = {"net": net.state_dict(), "opt": opt.state_dict()}

restored = build()
restored.load_state_dict(saved["net"])
opt2 = torch.optim.SGD(filter(lambda p: p.requires_grad, restored.parameters()), lr=0.1, momentum=0.9)
opt2.load_state_dict(saved["opt"])
encoder_before = restored[0].weight.clone()
step(restored, opt2, x, y)
'''

ONLY_THE_HEAD_TRAINS_ON = '''
assert torch.equal(restored[0].weight, encoder_before)
assert len(opt2.param_groups[0]["params"]) == 2
'''


def test_the_resumed_model_is_frozen_before_its_optimizer_is_built(sandbox):
    patched = patch(recipe, FINE_TUNE_THEN_RESUME, sandbox.facts(FINE_TUNE_THEN_RESUME, "ValueError"))
    assert "restored.load_state_dict(saved[\"net\"])\nfreeze_encoder(restored)\nopt2 = torch.optim.SGD(" in patched
    sandbox.assert_clean(patched + ONLY_THE_HEAD_TRAINS_ON)


MESSAGE = "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"


def test_no_match_when_the_saved_optimizer_was_built_without_a_freeze():
    source = FINE_TUNE_THEN_RESUME.replace("net = build()\nfreeze_encoder(net)\n", "net = build()\n")
    line = source.splitlines().index('opt2.load_state_dict(saved["opt"])') + 1
    assert not applies(recipe, source, Facts("ValueError", MESSAGE, line=line, lines=(line,)))


def test_no_match_when_the_optimizer_takes_every_parameter():
    source = FINE_TUNE_THEN_RESUME.replace("filter(lambda p: p.requires_grad, net.parameters())", "net.parameters()")
    source = source.replace("filter(lambda p: p.requires_grad, restored.parameters())", "restored.parameters()")
    line = source.splitlines().index('opt2.load_state_dict(saved["opt"])') + 1
    assert not applies(recipe, source, Facts("ValueError", MESSAGE, line=line, lines=(line,)))
