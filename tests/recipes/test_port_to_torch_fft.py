from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import port_to_torch_fft as recipe

SPECTRAL = '''\
import math

import torch
from torch import nn


class SpectralFeatures(nn.Module):
    def __init__(self, n_bins):
        super().__init__()
        self.proj = nn.Linear(n_bins * 2, 8)

    def forward(self, wave):
        spec = torch.rfft(wave, 1, normalized=True)
        self.last_spec = spec
        return self.proj(spec.flatten(1))


torch.manual_seed(5)
waves = torch.randn(4, 64)
model = SpectralFeatures(33)
out = model(waves)
'''

# the old layout: bin k of a length-n signal as (real, imaginary), scaled by 1/sqrt(n)
OLD_LAYOUT = '''
n = torch.arange(64, dtype=torch.float64)
k = torch.arange(33, dtype=torch.float64)[:, None]
angle = -2 * math.pi * k * n / 64
w = waves.double()
expected = torch.stack([(w[:, None] * angle.cos()).sum(-1), (w[:, None] * angle.sin()).sum(-1)], -1) / 8
assert out.shape == (4, 8) and torch.allclose(model.last_spec.double(), expected, atol=1e-4)
'''


def test_rfft_becomes_torch_fft_in_the_old_real_layout(sandbox):
    facts = sandbox.facts(SPECTRAL, "AttributeError")
    assert "'rfft'" in facts.message
    patched = patch(recipe, SPECTRAL, facts)
    assert patched.count("torch.view_as_real(torch.fft.rfft(wave, norm=\"ortho\"))") == 1
    sandbox.assert_clean(patched + OLD_LAYOUT)


ROUND_TRIP = '''\
import torch

torch.manual_seed(6)
signal = torch.randn(2, 128)
spectrum = torch.rfft(signal, signal_ndim=1)
lowpass = spectrum.clone()
lowpass[:, 20:] = 0
smoothed = torch.irfft(lowpass, 1, signal_sizes=signal.shape[-1:])
restored = torch.irfft(spectrum, 1, signal_sizes=signal.shape[-1:])
'''


def test_irfft_reads_the_old_layout_back_as_complex(sandbox):
    first = patch(recipe, ROUND_TRIP, sandbox.facts(ROUND_TRIP, "AttributeError"))
    assert "\nspectrum = torch.view_as_real(torch.fft.rfft(signal))\n" in first
    second = patch(recipe, first, sandbox.facts(first, "AttributeError"))
    assert ("\nsmoothed = torch.fft.irfft(torch.view_as_complex(lowpass.contiguous()), n=signal.shape[-1:][-1])\n"
            in second)
    third = patch(recipe, second, sandbox.facts(second, "AttributeError"))
    assert "\nrestored = torch.fft.irfft(torch.view_as_complex(spectrum.contiguous()), n=signal.shape[-1:][-1])\n" in third
    sandbox.assert_clean(third + '''
assert torch.allclose(restored, signal, atol=1e-5) and smoothed.shape == (2, 128)
assert not torch.allclose(smoothed, signal, atol=1e-2)
''')


def test_non_literal_flags_are_left_alone():
    facts = Facts("AttributeError", "module 'torch' has no attribute 'rfft'", line=2)
    assert not applies(recipe, "import torch\ny = torch.rfft(x, ndim)\n", facts)
    assert patch(recipe, "import torch\ny = torch.rfft(x, 2, onesided=False)\n", facts) == (
        "import torch\ny = torch.view_as_real(torch.fft.fft2(x))\n")
