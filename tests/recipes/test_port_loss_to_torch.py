from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import port_loss_to_torch as recipe

HUBER_LIKE_NUMPY_LOSS = '''\
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
inputs = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
targets = 3 * inputs[:, 0] - 1


def pseudo_huber(predicted, wanted, delta=1.0):
    residual = (predicted - wanted) / delta
    return delta ** 2 * np.mean(np.sqrt(1 + np.square(residual)) - 1)


net = nn.Linear(1, 1)
optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
features = torch.from_numpy(inputs)
for _ in range(200):
    out = net(features)[:, 0]
    loss = torch.tensor(pseudo_huber(out.detach().cpu().numpy(), targets))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''


def test_a_numpy_loss_is_computed_with_torch_on_the_prediction(sandbox):
    patched = patch(recipe, HUBER_LIKE_NUMPY_LOSS, sandbox.facts(HUBER_LIKE_NUMPY_LOSS, "RuntimeError"))
    assert "return delta ** 2 * torch.mean(torch.sqrt(1 + torch.square(residual)) - 1)\n" in patched
    assert "loss = pseudo_huber(out, torch.as_tensor(targets))\n" in patched
    reference = ("wanted = net(features)[:, 0].detach().numpy() - targets\n"
                 "assert abs(loss.item() - np.mean(np.sqrt(1 + np.square(wanted)) - 1)) < 1e-2\n"
                 "assert abs(net.weight.item() - 3) < 0.1 and abs(net.bias.item() + 1) < 0.1\n")
    sandbox.assert_clean(patched + reference)


LOSS_INSIDE_A_TRAINING_FUNCTION = '''\
import numpy
import torch


def mean_abs_log_ratio(a, b):
    return numpy.mean(numpy.abs(numpy.log(a) - numpy.log(b)))


def fit(steps=100):
    scale = torch.nn.Parameter(torch.tensor([0.5]))
    opt = torch.optim.Adam([scale], lr=0.05)
    observed = numpy.full(16, 2.0, dtype=numpy.float32)
    for _ in range(steps):
        predicted = scale * torch.ones(16)
        loss = torch.as_tensor(mean_abs_log_ratio(predicted.detach().numpy(), observed))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return scale


fitted = fit()
'''


def test_a_loss_inside_a_function_with_numpy_imported_plainly(sandbox):
    patched = patch(recipe, LOSS_INSIDE_A_TRAINING_FUNCTION, sandbox.facts(LOSS_INSIDE_A_TRAINING_FUNCTION, "RuntimeError"))
    assert "return torch.mean(torch.abs(torch.log(a) - torch.log(b)))\n" in patched
    assert "loss = mean_abs_log_ratio(predicted, torch.as_tensor(observed))\n" in patched
    sandbox.assert_clean(patched + "assert abs(fitted.item() - 2.0) < 0.2\n")


ALSO_USED_AS_A_METRIC = '''\
import numpy as np
import torch

w = torch.nn.Parameter(torch.zeros(3))
x = np.ones((8, 3), dtype=np.float32)
y = np.ones(8, dtype=np.float32)


def mse(p, t):
    return np.mean(np.square(p - t))


pred = torch.from_numpy(x) @ w
print("before", mse(x @ w.detach().numpy(), y))
loss = torch.tensor(mse(pred.detach().numpy(), y))
loss.backward()
'''


def test_not_for_a_function_that_another_caller_gives_arrays(sandbox):
    assert not applies(recipe, ALSO_USED_AS_A_METRIC, sandbox.facts(ALSO_USED_AS_A_METRIC, "RuntimeError"))


NUMPY_THAT_TORCH_SPELLS_OTHERWISE = '''\
import numpy as np
import torch

w = torch.nn.Parameter(torch.ones(4))


def spread(p):
    return np.std(p, ddof=1) + p.size


loss = torch.tensor(spread((w * 2).detach().numpy()))
loss.backward()
'''


def test_not_for_numpy_whose_torch_meaning_differs(sandbox):
    facts = sandbox.facts(NUMPY_THAT_TORCH_SPELLS_OTHERWISE, "RuntimeError")
    assert not applies(recipe, NUMPY_THAT_TORCH_SPELLS_OTHERWISE, facts)


TORCH_LOSS = '''\
import numpy as np
import torch

w = torch.nn.Parameter(torch.zeros(3))
x = torch.ones(8, 3)
y = torch.from_numpy(np.ones(8, dtype=np.float32))


def log_cosh(p, t):
    return torch.mean(torch.log(torch.cosh(p - t)))


loss = log_cosh(x @ w, y)
loss.backward()
assert w.grad is not None
'''


def test_correct_code_runs_without_an_error(sandbox):
    sandbox.assert_clean(TORCH_LOSS)


INLINE_LOSS = '''\
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
regressor = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 1))
opt = torch.optim.SGD(regressor.parameters(), lr=0.1)
inputs = torch.randn(50, 2)
targets = inputs[:, :1] * 2 - inputs[:, 1:]
errors = []
for step in range(40):
    out = regressor(inputs)
    residual = out.detach().numpy() - targets.numpy()
    loss = torch.tensor(np.mean(np.abs(residual)) + 0.5 * np.mean(residual ** 2))
    opt.zero_grad()
    loss.backward()
    opt.step()
    errors.append(loss.item())
assert errors[-1] < errors[0]
'''

# The loss is computed from the regressor's output with torch ops, the same numbers as the NumPy one.
SAME_LOSS = '''
residual_np = regressor(inputs).detach().numpy() - targets.numpy()
expected = np.mean(np.abs(residual_np)) + 0.5 * np.mean(residual_np ** 2)
assert abs(float(regressor(inputs).sub(targets).abs().mean() + 0.5 * regressor(inputs).sub(targets).pow(2).mean()) - expected) < 1e-5
assert loss.grad_fn is not None
'''


def test_an_inline_numpy_loss_is_computed_with_torch_along_the_loss_path(sandbox):
    patched = patch(recipe, INLINE_LOSS, sandbox.facts(INLINE_LOSS, "RuntimeError"))
    assert "    residual = out - targets\n" in patched
    assert "    loss = torch.mean(torch.abs(residual)) + 0.5 * torch.mean(residual ** 2)\n" in patched
    sandbox.assert_clean(patched + SAME_LOSS)


def test_no_inline_port_when_the_array_is_used_elsewhere():
    code = INLINE_LOSS.replace("    errors.append(loss.item())\n", "    errors.append(loss.item())\n    print(np.max(residual))\n")
    line = code.splitlines().index("    loss.backward()") + 1
    facts = Facts("RuntimeError", "element 0 of tensors does not require grad and does not have a grad_fn",
                  line=line, lines=(line,))
    assert not applies(recipe, code, facts)
