"""Detectors widened or narrowed for the pasted-code dev slice "a": each fires on its situation in
snippets of many shapes and stays quiet on the correct variant and on look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- loss-on-half-model-output: quiet when the half model is fed a raw float32 batch ------------


@pytest.mark.parametrize("source", [
    """\
net = Denoiser().cuda().half()
for noisy, clean in train_loader:
    noisy = noisy.cuda()
    restored = net(noisy)
    loss = F.mse_loss(restored, clean.cuda())
""",
    """\
model = VAE().to(dev).half()
for step, imgs in enumerate(loader):
    out = model(imgs.to(dev))
    loss = F.mse_loss(out, imgs)
""",
])
def test_a_half_model_given_a_float32_batch_is_not_an_overflow(source):
    """The forward fails on float32 input against float16 weights before any loss is computed."""
    assert lines("loss-on-half-model-output", source) == []


def test_a_half_model_given_a_batch_made_half_still_overflows():
    source = """\
net = Denoiser().cuda().half()
for noisy, clean in train_loader:
    restored = net(noisy.cuda().half())
    loss = F.mse_loss(restored, clean.cuda().half())
"""
    assert lines("loss-on-half-model-output", source) == [4]
