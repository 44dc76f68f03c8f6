"""Straight-through estimator for quantization-aware training of a small MLP."""
import torch
import torch.nn as nn


class FakeQuantSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, num_bits, clip):
        qmax = 2 ** (num_bits - 1) - 1
        scale = clip / qmax
        ctx.save_for_backward(x)
        ctx.clip = clip
        return torch.round(x.clamp(-clip, clip) / scale) * scale

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        pass_through = (x.abs() <= ctx.clip).to(grad_out.dtype)
        return grad_out * pass_through


class QuantLinear(nn.Linear):
    def __init__(self, *args, num_bits=4, clip=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.num_bits, self.clip = num_bits, clip

    def forward(self, x):
        w_q = FakeQuantSTE.apply(self.weight, self.num_bits, self.clip)
        return nn.functional.linear(x, w_q, self.bias)


def main():
    torch.manual_seed(0)
    model = nn.Sequential(QuantLinear(6, 16), nn.ReLU(), QuantLinear(16, 1))
    x = torch.randn(64, 6)
    y = x[:, :1] * 0.5 - x[:, 1:2]
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(20):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 5 == 0:
            print(f"step {step} mse {loss.item():.4f}")


if __name__ == "__main__":
    main()
