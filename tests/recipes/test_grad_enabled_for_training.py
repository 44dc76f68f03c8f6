from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import grad_enabled_for_training as recipe

LEFT_OFF_BY_A_CELL = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
torch.set_grad_enabled(False)   # left over from an inference cell above

encoder = nn.GRU(4, 8, batch_first=True)
head = nn.Linear(8, 1)
params = list(encoder.parameters()) + list(head.parameters())
opt = torch.optim.Adam(params, lr=1e-2)
seq = torch.randn(10, 7, 4)
target = torch.randn(10, 1)
for step in range(3):
    out, h = encoder(seq)
    loss = nn.functional.mse_loss(head(h[-1]), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The training loop really trains: the head's gradient exists and the weights moved.
TRAINED = '''
assert loss.grad_fn is not None and head.weight.grad is not None
'''

PREDICT_THEN_TRAIN = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
x = torch.randn(16, 3)
torch.set_grad_enabled(False)
baseline = model(x)
y = x.sum(1, keepdim=True)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
pred = model(x)
loss = ((pred - y) ** 2).mean()
loss.backward()
opt.step()
'''

# The baseline prediction still ran without a graph; the training forward has one.
BASELINE_STAYS_GRAD_FREE = '''
assert baseline.grad_fn is None and pred.grad_fn is not None
assert model.weight.grad is not None
'''


def test_grad_mode_is_switched_back_on_before_the_training_loop(sandbox):
    patched = patch(recipe, LEFT_OFF_BY_A_CELL, sandbox.facts(LEFT_OFF_BY_A_CELL, "RuntimeError"))
    assert "target = torch.randn(10, 1)\ntorch.set_grad_enabled(True)\nfor step in range(3):\n" in patched
    sandbox.assert_clean(patched + TRAINED)


def test_an_earlier_inference_keeps_running_without_grad(sandbox):
    patched = patch(recipe, PREDICT_THEN_TRAIN, sandbox.facts(PREDICT_THEN_TRAIN, "RuntimeError"))
    assert "opt = torch.optim.SGD(model.parameters(), lr=0.1)\ntorch.set_grad_enabled(True)\npred = model(x)\n" in patched
    sandbox.assert_clean(patched + BASELINE_STAYS_GRAD_FREE)


def test_no_match_when_grad_mode_is_already_back_on():
    code = ("import torch\ntorch.set_grad_enabled(False)\nout = model(x)\ntorch.set_grad_enabled(True)\n"
            "loss = model(x).sum()\nloss.backward()\n")
    facts = Facts("RuntimeError", "element 0 of tensors does not require grad and does not have a grad_fn",
                  line=6, lines=(6,))
    assert not applies(recipe, code, facts)
    assert applies(recipe, code.replace("torch.set_grad_enabled(True)\n", "print(out)\n"), facts)
