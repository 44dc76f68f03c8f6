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


# ---- numpy-on-device-tensor: through the output of a model run on a moved input ------------------


@pytest.mark.parametrize("source, line", [
    ("""\
classifier.eval()
scores = []
for batch in test_loader:
    batch = batch.cuda()
    labels = classifier(batch).argmax(dim=-1)
    scores.append(labels.numpy())
""", 6),
    ("""\
class Tagger(nn.Module):
    def forward(self, x):
        return self.fc(x)

tagger = Tagger()
emb = features.to("cuda:0")
tags = tagger(emb).detach().numpy()
""", 7),
])
def test_numpy_on_a_model_output_from_a_device_input_fires(source, line):
    assert lines("numpy-on-device-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
classifier.eval()
for batch in test_loader:
    batch = batch.cuda()
    labels = classifier(batch).argmax(dim=-1).cpu()
    print(labels.numpy())
""",
    """\
classifier.eval()
for batch in test_loader:
    labels = classifier(batch.cuda().cpu()).argmax(dim=-1)
    print(labels.numpy())
""",
    """\
batch = batch.cuda()
labels = summarize(batch).numpy()
""",
])
def test_numpy_after_cpu_or_on_an_unknown_function_is_quiet(source):
    """.cpu() before .numpy(); a CPU input; a function that is not known to be a model."""
    assert lines("numpy-on-device-tensor", source) == []
