from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import gradient_per_input as recipe

QUANTISER = '''\
import torch
import torch.nn as nn


class RoundToBits(torch.autograd.Function):
    """Uniform quantisation with a straight-through gradient."""

    @staticmethod
    def forward(ctx, x, bits):
        levels = 2 ** bits - 1
        return torch.round(x.clamp(0, 1) * levels) / levels

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class QuantisedMLP(nn.Module):
    def __init__(self, bits=4):
        super().__init__()
        self.bits = bits
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.sigmoid(self.fc1(x))
        return self.fc2(RoundToBits.apply(h, self.bits))


torch.manual_seed(0)
model = QuantisedMLP()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 8), torch.randn(32, 1)
for step in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''

# Straight-through: the gradient reaching the input is exactly the one leaving the op.
STRAIGHT_THROUGH = '''
h = torch.rand(5, 3, requires_grad=True)
RoundToBits.apply(h, 2).mul(torch.arange(3.0)).sum().backward()
assert torch.equal(h.grad, torch.arange(3.0).expand(5, 3))
assert model.fc1.weight.grad is not None
'''

CLIPPER = '''\
import torch


class SoftClip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return x.clamp(low, high)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        inside = (x >= ctx.low) & (x <= ctx.high)
        if ctx.needs_input_grad[0]:
            return (grad_output * inside,)
        return (None,)


def clipped_energy(signal, low=-1.0, high=1.0):
    return SoftClip.apply(signal, low, high).pow(2).sum()


signal = torch.linspace(-2, 2, 9, requires_grad=True)
energy = clipped_energy(signal)
energy.backward()
'''


def test_the_setting_gets_none_after_the_gradient(sandbox):
    patched = patch(recipe, QUANTISER, sandbox.facts(QUANTISER, "RuntimeError"))
    assert "    def backward(ctx, grad_output):\n        return grad_output, None\n" in patched
    sandbox.assert_clean(patched + STRAIGHT_THROUGH)


def test_every_return_of_the_backward_gets_its_slots(sandbox):
    patched = patch(recipe, CLIPPER, sandbox.facts(CLIPPER, "RuntimeError"))
    assert "            return (grad_output * inside, None, None)\n        return (None, None, None)\n" in patched
    sandbox.assert_clean(patched + "expected = torch.where(signal.abs() <= 1, 2 * signal, torch.zeros(9))\n"
                         "assert torch.allclose(signal.grad, expected.detach())\n")


def test_a_saved_tensor_without_its_gradient_is_not_given_none():
    code = ("import torch\nclass Scale(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x, w):\n"
            "        ctx.save_for_backward(x, w)\n        return x * w\n    @staticmethod\n"
            "    def backward(ctx, g):\n        x, w = ctx.saved_tensors\n        return g * w\n")
    facts = Facts("RuntimeError", "function ScaleBackward returned an incorrect number of gradients (expected 2, got 1)")
    assert not applies(recipe, code, facts)
