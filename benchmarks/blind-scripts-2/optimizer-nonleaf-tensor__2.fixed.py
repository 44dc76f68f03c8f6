import math

import torch


class DampedOscillatorFit:
    """Fit x(t) = A * exp(-gamma t) * cos(omega t + phi) to measurements, in double precision."""

    def __init__(self, device="cpu"):
        self.device = torch.device(device)
        self.params = torch.tensor([1.0, 0.1, 2.0, 0.0], device=self.device,
                                   dtype=torch.float64, requires_grad=True)

    def model(self, t):
        amp, gamma, omega, phi = self.params
        return amp * torch.exp(-gamma * t) * torch.cos(omega * t + phi)

    def fit(self, t, x, steps=400, lr=0.02):
        opt = torch.optim.Adam([self.params], lr=lr)
        for _ in range(steps):
            loss = (self.model(t) - x).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss.item()


t = torch.linspace(0, 10, 200, dtype=torch.float64)
x = 1.5 * torch.exp(-0.3 * t) * torch.cos(2.2 * t + 0.4)
x = x + 0.01 * torch.sin(37.0 * t)

fitter = DampedOscillatorFit()
final = fitter.fit(t, x)
amp, gamma, omega, phi = fitter.params.tolist()
print(f"mse={final:.2e} A={amp:.3f} gamma={gamma:.3f} omega={omega:.3f} phi={phi:.3f} (T={2 * math.pi / omega:.2f})")
assert fitter.params.is_leaf and fitter.params.dtype == torch.float64
assert math.isfinite(final) and final < 0.5
print(f"RESULT oscillator fitted, mse {final:.2e}")
