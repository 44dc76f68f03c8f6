"""quantized-without-straight-through: codes picked by argmin, the encoder before them cut off."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

NAME = "quantized-without-straight-through"

QUANTIZER = """\
class Quantizer(nn.Module):
    def __init__(self, codes=256, width=32):
        super().__init__()
        self.enc = nn.Linear(128, width)
        self.book = nn.Embedding(codes, width)
        self.dec = nn.Linear(width, 128)

    def forward(self, x):
        h = self.enc(x)
        distances = (h.unsqueeze(1) - self.book.weight.unsqueeze(0)).pow(2).sum(-1)
        nearest = distances.argmin(dim=-1)
{lookup}
        return self.dec(codes)
"""


@pytest.mark.parametrize("lookup", [
    "        codes = self.book(nearest)",
    "        codes = self.book.weight[nearest].view(h.size(0), -1)",
])
def test_codes_looked_up_by_argmin_with_nothing_straight_through_fire(lookup):
    assert lines(NAME, QUANTIZER.format(lookup=lookup)) == [11]


@pytest.mark.parametrize("lookup", [
    "        codes = self.book(nearest)\n        codes = h + (codes - h).detach()",  # straight through
    "        codes = self.book(nearest)\n        self.commit = F.mse_loss(h, codes.detach())",  # a loss on h
])
def test_a_straight_through_estimator_or_a_loss_on_the_encoder_output_is_quiet(lookup):
    assert lines(NAME, QUANTIZER.format(lookup=lookup)) == []


def test_a_forward_that_returns_predicted_indices_is_quiet():
    source = """\
class Predictor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        logits = self.fc(x)
        return logits.argmax(dim=1)
"""
    assert lines(NAME, source) == []
