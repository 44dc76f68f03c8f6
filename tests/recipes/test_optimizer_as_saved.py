from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import optimizer_as_saved as recipe

RESUME = '''\
import io

import torch
import torch.nn as nn
from torch.optim import AdamW


def build_model():
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))


def train_steps(model, optimizer, steps):
    for _ in range(steps):
        x, y = torch.randn(16, 10), torch.randint(0, 3, (16,))
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


torch.manual_seed(0)
model = build_model()
optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
train_steps(model, optimizer, 3)
buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, buffer)

# resume with the first layer frozen
buffer.seek(0)
checkpoint = torch.load(buffer)
model = build_model()
model.load_state_dict(checkpoint["model"])
model[0].requires_grad_(False)
optimizer = AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3, weight_decay=0.0)
optimizer.load_state_dict(checkpoint["optimizer"])
frozen = model[0].weight.clone()
train_steps(model, optimizer, 2)
'''

# The saved moments were restored (step counts continue from 3), and the frozen layer stays frozen.
RESUMED = '''
assert optimizer.state_dict()["state"][2]["step"] == 5
assert torch.equal(model[0].weight, frozen)
'''


def test_the_optimizer_is_built_over_the_parameters_it_was_saved_with(sandbox):
    patched = patch(recipe, RESUME, sandbox.facts(RESUME, "ValueError"))
    assert "optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)\noptimizer.load_state_dict(" in patched
    assert patched.count("optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)") == 2
    sandbox.assert_clean(patched + RESUMED)


def test_without_the_saved_optimizer_in_the_script_nothing_is_guessed():
    facts = Facts("ValueError", "loaded state dict contains a parameter group that doesn't match the size of "
                                "optimizer's group", line=2, lines=(2,))
    code = ("opt = torch.optim.SGD(head.parameters(), lr=0.1)\nopt.load_state_dict(torch.load('ckpt.pt')['opt'])\n")
    assert not applies(recipe, code, facts)
    saved_elsewhere = "old = torch.optim.SGD(model.parameters(), lr=0.1)\nsd = old.state_dict()\n" + code
    facts_below = Facts(facts.error_type, facts.message, line=4, lines=(4,))
    assert patch(recipe, saved_elsewhere, facts_below).endswith(
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nopt.load_state_dict(torch.load('ckpt.pt')['opt'])\n")
