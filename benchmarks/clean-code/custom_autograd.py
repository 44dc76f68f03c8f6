"""Custom autograd pieces checked against numerical gradients.

A straight-through clamp as a torch.autograd.Function (one gradient per forward
input, None for the non-tensor bounds), a parameter update done by hand under
torch.no_grad(), retain_grad() to inspect a non-leaf tensor, and a gradient
hook that records norms.
"""
import torch
import torch.nn as nn


class StraightThroughClamp(torch.autograd.Function):
    """Clamps in forward; passes the gradient through unchanged inside the bounds."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, low: float, high: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return x.clamp(low, high)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        (x,) = ctx.saved_tensors
        inside = (x >= ctx.low) & (x <= ctx.high)
        return grad_output * inside.to(grad_output.dtype), None, None


class Swish(torch.autograd.Function):
    """x * sigmoid(x) with a hand-written backward, to be compared with gradcheck."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        x, s = ctx.saved_tensors
        return grad_output * (s + x * s * (1 - s))


def check_functions() -> None:
    x = torch.randn(6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(Swish.apply, (x,))
    y = StraightThroughClamp.apply(x, -0.5, 0.5)
    y.sum().backward()
    expected = ((x >= -0.5) & (x <= 0.5)).to(x.dtype)
    assert torch.equal(x.grad, expected)
    print("custom functions: gradients check out")


def manual_sgd() -> float:
    """Fits y = 2x - 1 with tensors updated in place under no_grad, as an optimizer would."""
    torch.manual_seed(12)
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = 2 * x - 1
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(100):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.2 * w.grad
            b -= 0.2 * b.grad
        w.grad = None
        b.grad = None
    print(f"manual SGD: w={w.item():.3f} b={b.item():.3f}")
    return loss.item()


def inspect_intermediate() -> None:
    layer = nn.Linear(4, 3)
    x = torch.randn(2, 4)
    hidden = layer(x)
    hidden.retain_grad()
    out = torch.tanh(hidden).sum()
    out.backward()
    assert hidden.grad is not None and hidden.grad.shape == hidden.shape
    print("non-leaf gradient kept with retain_grad:", tuple(hidden.grad.shape))


def record_gradient_norms() -> list[float]:
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    norms: list[float] = []
    handles = [p.register_hook(lambda g: norms.append(g.norm().item())) for p in model.parameters()]
    loss = model(torch.randn(16, 8)).pow(2).mean()
    loss.backward()
    for handle in handles:
        handle.remove()
    print("gradient norms per parameter:", [round(n, 4) for n in norms])
    return norms


def hessian_vector_product() -> None:
    """H v for f(w) = sum(w^4) via double backward; the exact answer is 12 w^2 * v."""
    w = torch.randn(5, dtype=torch.float64, requires_grad=True)
    v = torch.randn(5, dtype=torch.float64)
    (grad,) = torch.autograd.grad(w.pow(4).sum(), w, create_graph=True)
    (hvp,) = torch.autograd.grad(grad, w, grad_outputs=v)
    assert torch.allclose(hvp, 12 * w.detach() ** 2 * v)
    print("Hessian-vector product matches the closed form")


def main() -> None:
    check_functions()
    manual_sgd()
    inspect_intermediate()
    record_gradient_norms()
    hessian_vector_product()


if __name__ == "__main__":
    main()
