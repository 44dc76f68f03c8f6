from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import out_of_place_update as recipe

RESIDUAL_BLOCK = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class GatedBlock(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.gate = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, 2)

    def forward(self, x):
        g = torch.sigmoid(self.gate(x))
        g *= x + 1.0            # in place on the output sigmoid saved
        return self.out(g)


model = GatedBlock()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 16), torch.randint(0, 2, (8,))
for step in range(3):
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()

# what was meant: the gate times (x + 1), and every layer trained
expected = model.out(torch.sigmoid(model.gate(x)) * (x + 1.0))
assert torch.allclose(model(x), expected)
assert model.gate.weight.grad is not None and model.gate.weight.grad.abs().sum() > 0
'''

INPLACE_RELU_LAYER = '''\
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        h = torch.tanh(self.fc(x))
        h = self.act(h)
        return h.sum(dim=1)


enc = Encoder()
out = enc(torch.randn(5, 6))
out.mean().backward()
assert enc.fc.weight.grad is not None
'''

MASKED_WRITE = '''\
import torch

torch.manual_seed(0)
w = torch.randn(4, 3, requires_grad=True)
scores = torch.exp(w)
scores[:, 0] = 0.0                       # drop the first class
loss = scores.sum()
loss.backward()
assert torch.allclose(w.grad[:, 1:], torch.exp(w[:, 1:]).detach())
assert torch.all(w.grad[:, 0] == 0)
'''

CLASS_WEIGHTS = '''\
import torch
import torch.nn as nn

labels = torch.tensor([0, 0, 0, 1, 2, 2])
weights = torch.bincount(labels, minlength=3)
weights = 1.0 / (weights + 1)
counts = torch.bincount(labels, minlength=3)
counts /= counts.sum()                    # class frequencies
criterion = nn.CrossEntropyLoss(weight=1.0 / counts)
loss = criterion(torch.randn(6, 3), labels)
assert counts.dtype == torch.float32 and abs(counts.sum().item() - 1.0) < 1e-6
print(loss.item())
'''

UINT8_IMAGES = '''\
import torch


def load_batch(n):
    images = torch.randint(0, 256, (n, 3, 8, 8), dtype=torch.uint8)
    images.div_(255)
    return images


batch = load_batch(4)
assert batch.dtype == torch.float32 and batch.max() <= 1.0
'''


def test_rewrites_the_write_into_the_saved_sigmoid_output(sandbox):
    patched = patch(recipe, RESIDUAL_BLOCK, sandbox.facts(RESIDUAL_BLOCK, "RuntimeError"))
    assert "        g = g * (x + 1.0)            # in place on the output sigmoid saved" in patched
    sandbox.assert_clean(patched)


def test_drops_inplace_from_the_layer_that_overwrote_tanh(sandbox):
    patched = patch(recipe, INPLACE_RELU_LAYER, sandbox.facts(INPLACE_RELU_LAYER, "RuntimeError"))
    assert "self.act = nn.ReLU()" in patched and "h = self.act(h)" in patched
    sandbox.assert_clean(patched)


def test_clones_before_an_indexed_write(sandbox):
    patched = patch(recipe, MASKED_WRITE, sandbox.facts(MASKED_WRITE, "RuntimeError"))
    assert "scores = scores.clone()\nscores[:, 0] = 0.0" in patched
    sandbox.assert_clean(patched)


def test_divides_integer_counts_out_of_place(sandbox):
    patched = patch(recipe, CLASS_WEIGHTS, sandbox.facts(CLASS_WEIGHTS, "RuntimeError"))
    assert "counts = counts / counts.sum()                    # class frequencies" in patched
    assert "weights = 1.0 / (weights + 1)" in patched     # only the failing line changes
    sandbox.assert_clean(patched)


def test_in_place_method_on_a_uint8_image_in_a_helper(sandbox):
    patched = patch(recipe, UINT8_IMAGES, sandbox.facts(UINT8_IMAGES, "RuntimeError"))
    assert "    images = images.div(255)" in patched
    sandbox.assert_clean(patched)


def _saved_tensor_overwritten(shape: str, op: str, line: int) -> Facts:
    message = ("one of the variables needed for gradient computation has been modified by an inplace "
               f"operation: [torch.FloatTensor {shape}], which is output 0 of {op}, is at "
               "version 2; expected version 1 instead")
    return Facts("RuntimeError", message, line=line, lines=(line,))


def test_no_match_for_a_parameter_stepped_by_an_optimizer():
    source = "import torch\nw = torch.ones(4, 2)\nh = torch.sigmoid(w)\nh += 1\nloss.backward()\n"
    assert not applies(recipe, source, _saved_tensor_overwritten("[4, 2]", "AsStridedBackward0", 5))


TANH_THEN_INPLACE_DROPOUT = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(
    nn.Linear(6, 12),
    nn.Tanh(),
    nn.Dropout(p=0.2, inplace=True),
    nn.Linear(12, 1),
)
model.eval()
x, y = torch.randn(16, 6), torch.randn(16, 1)
model.train()
torch.manual_seed(1)
loss = ((model(x) - y) ** 2).mean()
loss.backward()
'''

# same dropout draw, the hidden activations recomputed by hand
DROPOUT_MEANT = '''
torch.manual_seed(1)
hidden = nn.functional.dropout(torch.tanh(model[0](x)), p=0.2, training=True)
assert torch.allclose(loss, ((model[3](hidden) - y) ** 2).mean())
'''

SQUARED_PROJECTION = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Energy(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 3)

    def forward(self, x):
        z = self.proj(x)
        energy = z.pow(2).sum(dim=1)
        z += 1.0
        return energy + z.mean(dim=1)


m = Energy()
x = torch.randn(5, 4)
out = m(x)
out.sum().backward()
z = m.proj(x)
assert torch.allclose(out, z.pow(2).sum(dim=1) + (z + 1.0).mean(dim=1))
w = m.proj.weight
grad = torch.autograd.grad(((x @ w.T + m.proj.bias) ** 2).sum() + (x @ w.T).mean(dim=1).sum(), w)[0]
assert torch.allclose(w.grad, grad)
'''

ZEROED_DIAGONAL = '''\
import torch

torch.manual_seed(0)
q = torch.randn(4, 8, requires_grad=True)
att = torch.softmax(q @ q.T, dim=-1)
att.fill_diagonal_(0.0)
ctx = att @ q
ctx.pow(2).sum().backward()
'''

DIAGONAL_MEANT = '''
assert torch.all(att.diagonal() == 0)
p = q.detach().requires_grad_()
off = torch.softmax(p @ p.T, dim=-1) * (1 - torch.eye(4))
(off @ p).pow(2).sum().backward()
assert torch.allclose(q.grad, p.grad, atol=1e-6)
'''


def test_drops_inplace_from_a_dropout_after_tanh_in_a_sequential(sandbox):
    patched = patch(recipe, TANH_THEN_INPLACE_DROPOUT, sandbox.facts(TANH_THEN_INPLACE_DROPOUT, "RuntimeError"))
    assert "    nn.Dropout(p=0.2),\n" in patched
    sandbox.assert_clean(patched + DROPOUT_MEANT)


def test_shifts_a_linear_output_out_of_place_after_pow_saved_it(sandbox):
    patched = patch(recipe, SQUARED_PROJECTION, sandbox.facts(SQUARED_PROJECTION, "RuntimeError"))
    assert "        z = z + 1.0\n" in patched
    sandbox.assert_clean(patched)


def test_zeroes_the_diagonal_of_a_copy_of_the_softmax(sandbox):
    patched = patch(recipe, ZEROED_DIAGONAL, sandbox.facts(ZEROED_DIAGONAL, "RuntimeError"))
    assert "att = att.clone()\natt.fill_diagonal_(0.0)" in patched
    sandbox.assert_clean(patched + DIAGONAL_MEANT)


ATTENTION_WITH_INPLACE_DROPOUT = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Pooling(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.score = nn.Linear(dim, 1)
        self.dropout = nn.Dropout(p=0.25, inplace=True)

    def forward(self, x):
        weights = self.dropout(torch.softmax(self.score(x), dim=1))
        return (weights * x).sum(dim=1)


pool = Pooling()
x = torch.randn(3, 5, 8)
torch.manual_seed(1)
pooled = pool(x)
pooled.pow(2).sum().backward()
'''

# the same dropout draw applied by hand to the softmax the layer was handed
POOLING_MEANT = '''
torch.manual_seed(1)
weights = nn.functional.dropout(torch.softmax(pool.score(x), dim=1), p=0.25, training=True)
assert torch.allclose(pooled, (weights * x).sum(dim=1))
assert pool.score.weight.grad is not None
'''

FUNCTIONAL_INPLACE_ON_TANH = '''\
import torch
import torch.nn.functional as F

torch.manual_seed(0)
w = torch.randn(4, 4, requires_grad=True)
x = torch.randn(6, 4)
h = F.relu(torch.tanh(x @ w), inplace=True)
h.sum().backward()
assert torch.allclose(w.grad, torch.autograd.functional.vjp(lambda v: torch.relu(torch.tanh(x @ v)).sum(), w)[1])
'''


def test_drops_inplace_from_a_dropout_handed_the_softmax_directly(sandbox):
    patched = patch(recipe, ATTENTION_WITH_INPLACE_DROPOUT,
                    sandbox.facts(ATTENTION_WITH_INPLACE_DROPOUT, "RuntimeError"))
    assert "self.dropout = nn.Dropout(p=0.25)\n" in patched
    assert "weights = self.dropout(torch.softmax(self.score(x), dim=1))" in patched
    sandbox.assert_clean(patched + POOLING_MEANT)


def test_drops_inplace_from_a_functional_relu_on_tanh(sandbox):
    patched = patch(recipe, FUNCTIONAL_INPLACE_ON_TANH, sandbox.facts(FUNCTIONAL_INPLACE_ON_TANH, "RuntimeError"))
    assert "h = F.relu(torch.tanh(x @ w))\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_for_an_inplace_layer_handed_an_unrelated_output():
    source = ("import torch\nimport torch.nn as nn\nact = nn.ReLU(inplace=True)\nx = torch.randn(4, 4)\n"
              "h = act(x @ x)\ng = torch.exp(h)\ng.sum().backward()\n")
    assert not applies(recipe, source, _saved_tensor_overwritten("[4, 4]", "SigmoidBackward0", 7))
