from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import leaf_after_init as recipe

SCRATCH_SOFTMAX_REGRESSION = '''\
import argparse

import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.5)
parser.add_argument("--device", default="cpu")
args = parser.parse_args([])

torch.manual_seed(0)
X = torch.randn(200, 5, device=args.device)
true_w = torch.randn(5, 3)
y = (X @ true_w).argmax(dim=1)

W = torch.randn(5, 3, requires_grad=True) * 0.01
bias = torch.zeros(3, requires_grad=True).to(args.device)
opt = torch.optim.SGD([W, bias], lr=args.lr)
for epoch in range(100):
    loss = F.cross_entropy(X @ W + bias, y)
    opt.zero_grad()
    loss.backward()
    opt.step()

accuracy = ((X @ W + bias).argmax(dim=1) == y).float().mean().item()
assert W.is_leaf and bias.is_leaf and accuracy > 0.9, accuracy
'''

GRAD_OF_SCALED_WEIGHT = '''\
import torch

torch.manual_seed(0)
x = torch.randn(16, 4)
target = x.sum(dim=1)


def init_weights():
    scale = torch.randn(4, requires_grad=True) * 0.1
    return scale


w = init_weights()
pred = x @ w
loss = ((pred - target) ** 2).mean()
loss.backward()
print("gradient:", w.grad)
'''

SALIENCY = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
inputs = torch.randn(3, 8, requires_grad=True)
hidden = net[0](inputs)
scores = net[2](torch.tanh(hidden))
scores[:, 1].sum().backward()
print("saliency of the hidden units:", hidden.grad)
'''


def test_optimizer_parameters_are_made_leaves_after_scaling_and_moving(sandbox):
    patched = patch(recipe, SCRATCH_SOFTMAX_REGRESSION, sandbox.facts(SCRATCH_SOFTMAX_REGRESSION, "ValueError"))
    assert "W = (torch.randn(5, 3) * 0.01).requires_grad_()\n" in patched
    assert "bias = torch.zeros(3).to(args.device).requires_grad_()\n" in patched
    sandbox.assert_clean(patched)


def test_grad_read_of_a_scaled_tensor_in_a_helper(sandbox):
    patched = patch(recipe, GRAD_OF_SCALED_WEIGHT, sandbox.warning_facts(GRAD_OF_SCALED_WEIGHT, "UserWarning"))
    assert "    scale = (torch.randn(4) * 0.1).requires_grad_()\n" in patched
    meant = "assert w.is_leaf and torch.allclose(w.grad, 2 * x.T @ (x @ w - target).detach() / 16)\n"
    sandbox.assert_clean(patched + meant, without_warning="not a leaf Tensor")


def test_intermediate_activation_keeps_its_gradient(sandbox):
    patched = patch(recipe, SALIENCY, sandbox.warning_facts(SALIENCY, "UserWarning"))
    assert "hidden = net[0](inputs)\nhidden.retain_grad()\n" in patched
    assert "inputs.retain_grad()" not in patched
    meant = "assert hidden.grad.shape == (3, 8) and inputs.grad is not None\n"
    sandbox.assert_clean(patched + meant, without_warning="not a leaf Tensor")


def test_no_match_for_leaves():
    source = "import torch\nw = torch.zeros(3, requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\n"
    assert not applies(recipe, source, Facts("ValueError", "can't optimize a non-leaf Tensor", line=3, lines=(3,)))


PARAMS_FROM_A_HELPER = '''\
import torch

torch.manual_seed(0)


def init_params(n_in, n_out, scale=0.1):
    w = torch.randn(n_in, n_out, requires_grad=True) * scale
    b = torch.zeros(n_out, requires_grad=True)
    return w, b


w1, b1 = init_params(3, 5)
x, t = torch.randn(8, 3), torch.randn(8, 5)
torch.nn.functional.mse_loss(x @ w1 + b1, t).backward()
grads = {}
for p in (w1, b1):
    grads[p.shape] = p.grad
'''


def test_a_tensor_returned_by_a_helper_and_read_through_a_loop_variable(sandbox):
    """`for p in (w1, b1): p.grad` reads `w1`, which `init_params` scaled after creating it."""
    facts = sandbox.warning_facts(PARAMS_FROM_A_HELPER, "UserWarning")
    patched = patch(recipe, PARAMS_FROM_A_HELPER, facts)
    assert "    w = (torch.randn(n_in, n_out) * scale).requires_grad_()\n" in patched
    meant = ("expected = 2 * x.T @ (x @ w1 + b1 - t).detach() / 40\n"
             "assert w1.is_leaf and torch.allclose(grads[(3, 5)], expected, atol=1e-6)\n")
    sandbox.assert_clean(patched + meant, without_warning="not a leaf Tensor")


STORED_ACTIVATION = '''\
import torch
import torch.nn as nn


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(4, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        self.feat = torch.tanh(self.enc(x))
        return self.out(self.feat)


probe = Probe()
probe(torch.randn(3, 4)).sum().backward()
feature_grad = probe.feat.grad
'''


def test_an_activation_kept_on_the_module_retains_its_gradient_where_forward_computes_it(sandbox):
    patched = patch(recipe, STORED_ACTIVATION, sandbox.warning_facts(STORED_ACTIVATION, "UserWarning"))
    assert "        self.feat = torch.tanh(self.enc(x))\n        self.feat.retain_grad()\n" in patched
    meant = "assert torch.allclose(feature_grad, probe.out.weight.detach().expand(3, 4))\n"
    sandbox.assert_clean(patched + meant, without_warning="not a leaf Tensor")


LAYER_OF_A_SEQUENTIAL = '''\
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 2))
x = torch.randn(4, 6)
hidden = model[0](x)
logits = model[2](model[1](hidden))
logits.sum().backward()
hidden_grad = hidden.grad
'''


def test_the_output_of_one_layer_of_a_sequential_retains_its_gradient(sandbox):
    patched = patch(recipe, LAYER_OF_A_SEQUENTIAL, sandbox.warning_facts(LAYER_OF_A_SEQUENTIAL, "UserWarning"))
    assert "hidden = model[0](x)\nhidden.retain_grad()\n" in patched
    meant = ("through_relu = (hidden > 0).float() * model[2].weight.sum(0)\n"
             "assert torch.allclose(hidden_grad, through_relu.detach())\n")
    sandbox.assert_clean(patched + meant, without_warning="not a leaf Tensor")


LAYERS_FROM_A_COMPREHENSION = '''\
import math
import torch

torch.manual_seed(0)
sizes = [(4, 8), (8, 2)]
weights = [torch.randn(fan_in, fan_out, requires_grad=True) / math.sqrt(fan_in) for fan_in, fan_out in sizes]
x, target = torch.randn(5, 4), torch.randn(5, 2)
loss = torch.nn.functional.mse_loss(torch.relu(x @ weights[0]) @ weights[1], target)
loss.backward()
gradients = []
for w in weights:
    gradients.append(w.grad)
'''


def test_tensors_scaled_in_a_list_comprehension_become_leaves(sandbox):
    source = LAYERS_FROM_A_COMPREHENSION
    patched = patch(recipe, source, sandbox.warning_facts(source, "UserWarning"))
    assert "weights = [(torch.randn(fan_in, fan_out) / math.sqrt(fan_in)).requires_grad_() for" in patched
    filled = ("assert all(w.is_leaf for w in weights)\n"
              "assert [g.shape for g in gradients] == [(4, 8), (8, 2)] and gradients[1].abs().sum() > 0\n")
    sandbox.assert_clean(patched + filled)


FEATURE_MAPS_FILED_BY_FORWARD = '''\
import torch
import torch.nn as nn

torch.manual_seed(2)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)])
        self.head = nn.Linear(4, 2)
        self.feature_maps = []

    def forward(self, img):
        self.feature_maps.clear()
        h = img
        for conv in self.blocks:
            h = torch.relu(conv(h))
            self.feature_maps.append(h)
        return self.head(h.mean(dim=(2, 3)))


net = SmallCNN()
img = torch.randn(3, 1, 8, 8)
score = net(img)[:, 1].sum()
score.backward()
grads = []
for i, fmap in enumerate(net.feature_maps):
    grads.append(fmap.grad)
    print(f"block {i}: grad {fmap.grad}")
'''


def test_activations_a_forward_files_into_a_list_keep_their_gradients(sandbox):
    source = FEATURE_MAPS_FILED_BY_FORWARD
    patched = patch(recipe, source, sandbox.warning_facts(source, "UserWarning"))
    assert "            self.feature_maps.append(h)\n            h.retain_grad()\n" in patched
    meant = ("net.feature_maps.clear()\n"
             "again = net(img)\n"
             "expected = torch.autograd.grad(again[:, 1].sum(), net.feature_maps)\n"
             "assert len(grads) == 2 and all(torch.allclose(g, e) for g, e in zip(grads, expected))\n")
    sandbox.assert_clean(patched + meant, without_warning="not a leaf Tensor")


INPUT_FROM_A_PREPARING_HELPER = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def standardise(features):
    leaf = features.clone().requires_grad_(True)
    return (leaf - leaf.mean(0)) / 2.0


def attributions(rows):
    inputs = standardise(rows)
    net(inputs).sum().backward()
    return inputs.grad


rows = torch.randn(5, 4)
scores = attributions(rows)
'''

GRADIENT_OF_THE_STANDARDISED_INPUT = '''
prepared = standardise(rows)
expected, = torch.autograd.grad(net(prepared).sum(), prepared)
assert torch.allclose(scores, expected)
'''


def test_a_tensor_a_helper_computes_from_a_leaf_keeps_its_gradient(sandbox):
    """`.requires_grad_(True)` inside the helper makes the leaf; what the caller reads is its result."""
    source = INPUT_FROM_A_PREPARING_HELPER
    patched = patch(recipe, source, sandbox.warning_facts(source, "UserWarning"))
    assert "    inputs = standardise(rows)\n    inputs.retain_grad()\n" in patched
    sandbox.assert_clean(patched + GRADIENT_OF_THE_STANDARDISED_INPUT, without_warning="not a leaf")


def test_a_leaf_flagged_with_requires_grad_true_then_scaled_is_made_after_the_scaling(sandbox):
    source = ('import torch\nw = torch.randn(3).requires_grad_(True) * 0.1\n(w * 2).sum().backward()\n'
              'print(w.grad)\n')
    patched = patch(recipe, source, sandbox.warning_facts(source, "UserWarning"))
    assert "w = (torch.randn(3) * 0.1).requires_grad_()\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(w.grad, torch.full((3,), 2.0))\n", without_warning="not a leaf")


def test_no_retained_gradient_for_what_a_helper_builds_from_data():
    source = ('import torch\ndef load(n):\n    return torch.ones(n) / n\nt = load(3)\nprint(t.grad)\n')
    message = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed."
    assert not applies(recipe, source, Facts("UserWarning", message, line=5, lines=(5,)))


HAND_WRITTEN_REGRESSOR = '''\
import torch

torch.manual_seed(0)


class Regressor:
    def __init__(self, n_in, width):
        self.first = torch.randn(n_in, width, requires_grad=True) / n_in ** 0.5
        self.bias = torch.zeros(width, requires_grad=True)
        self.last = torch.randn(width, 1, requires_grad=True) * 0.1

    def weights(self):
        return (self.first, self.bias, self.last)

    def predict(self, x):
        return torch.tanh(x @ self.first + self.bias) @ self.last


xs = torch.randn(64, 3)
ys = xs.sum(1, keepdim=True)
model = Regressor(3, 16)
opt = torch.optim.SGD(model.weights(), lr=0.05)
for _ in range(30):
    loss = (model.predict(xs) - ys).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# Every tensor the optimizer updates is a leaf now, and training lowered the loss of the model
# the constructor drew (the same draw, reseeded).
ALL_LEAVES_TRAINED = '''
assert all(t.is_leaf and t.grad is not None for t in model.weights())
torch.manual_seed(0)
assert torch.equal(torch.randn(64, 3), xs)
untrained = Regressor(3, 16)
assert loss.item() < (untrained.predict(xs) - ys).pow(2).mean().item()
'''


def test_the_tensors_a_hand_written_models_own_method_lists_become_leaves(sandbox):
    patched = patch(recipe, HAND_WRITTEN_REGRESSOR, sandbox.facts(HAND_WRITTEN_REGRESSOR, "ValueError"))
    assert "        self.first = (torch.randn(n_in, width) / n_in ** 0.5).requires_grad_()\n" in patched
    assert "        self.last = (torch.randn(width, 1) * 0.1).requires_grad_()\n" in patched
    assert "        self.bias = torch.zeros(width, requires_grad=True)\n" in patched
    sandbox.assert_clean(patched + ALL_LEAVES_TRAINED)


def test_an_nn_module_s_parameters_are_not_read_as_a_list_of_attributes():
    source = ("import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
              "        super().__init__()\n        self.w = nn.Parameter(torch.randn(3) * 0.1)\n\n\n"
              "net = Net()\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n")
    facts = Facts("ValueError", "can't optimize a non-leaf Tensor", line=12, lines=(12,))
    assert not applies(recipe, source, facts)


APPENDED_LAYERS = '''\
import torch

torch.manual_seed(0)
widths = [3, 5, 1]
layers = []
for fan_in, fan_out in zip(widths, widths[1:]):
    layers.append(torch.randn(fan_in, fan_out, requires_grad=True) / fan_in ** 0.5)
opt = torch.optim.SGD(layers, lr=0.05)
x = torch.randn(16, 3)
target = x.sum(1, keepdim=True)
before = [w.detach().clone() for w in layers]
for _ in range(5):
    out = x
    for w in layers:
        out = torch.tanh(out @ w) if w is not layers[-1] else out @ w
    loss = (out - target).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
assert all(w.is_leaf and not torch.equal(w, b) for w, b in zip(layers, before))
'''


def test_tensors_appended_to_the_optimizers_list_become_leaves_after_scaling(sandbox):
    patched = patch(recipe, APPENDED_LAYERS, sandbox.facts(APPENDED_LAYERS, "ValueError"))
    assert "    layers.append((torch.randn(fan_in, fan_out) / fan_in ** 0.5).requires_grad_())\n" in patched
    sandbox.assert_clean(patched)


DICT_OF_TENSORS = '''\
import torch

torch.manual_seed(0)
theta = {
    "slope": torch.randn(2, 1, requires_grad=True) * 0.1,
    "offset": torch.zeros(1, requires_grad=True),
}
opt = torch.optim.Adam(theta.values(), lr=0.1)
x = torch.randn(30, 2)
y = x @ torch.tensor([[2.0], [-1.0]]) + 0.5
for _ in range(200):
    loss = ((x @ theta["slope"] + theta["offset"] - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
assert loss.item() < 0.05 and theta["slope"].is_leaf
'''


def test_the_values_of_a_dict_given_to_the_optimizer_become_leaves(sandbox):
    patched = patch(recipe, DICT_OF_TENSORS, sandbox.facts(DICT_OF_TENSORS, "ValueError"))
    assert '    "slope": (torch.randn(2, 1) * 0.1).requires_grad_(),\n' in patched
    assert '    "offset": torch.zeros(1, requires_grad=True),\n' in patched
    sandbox.assert_clean(patched)
