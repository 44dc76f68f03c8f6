"""kernel-beyond-shrunk-input: a stated input size shrunk by convs and pools below a later kernel."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import findings, lines

NAME = "kernel-beyond-shrunk-input"

NET = """\
class Net(nn.Module):
    # inputs are {size} grayscale digits
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, {kernel}),
        )

    def forward(self, x):
        return self.features(x).flatten(1)
"""


def test_a_kernel_larger_than_the_shrunk_input_fires():
    source = NET.format(size="28x28", kernel=5)  # 28 -> 24 -> 12 -> 8 -> 4, then a 5x5 kernel
    assert lines(NAME, source) == [8]
    assert findings(NAME, source)[0].facts == {"kernel_size": "5", "input_size": "4"}
    stated_as_shape = NET.format(size="[B, 1, 20, 20]", kernel=3)  # 20 -> 16 -> 8 -> 4 -> 2, then 3x3
    assert lines(NAME, stated_as_shape) == [8]


@pytest.mark.parametrize("size, kernel", [
    ("28x28", 3),         # 4x4 still takes a 3x3 kernel
    ("64x64", 5),         # large enough
    ("of any size", 5),   # no size stated: nothing to count from
    ("28x28 or 64x64", 5),  # two sizes: which one is not said
])
def test_a_kernel_that_fits_or_an_unstated_size_is_quiet(size, kernel):
    assert lines(NAME, NET.format(size=size, kernel=kernel)) == []


@pytest.mark.parametrize("side, expected", [(24, [2]), (32, [])])  # 24 -> 22 -> 11 -> 9 -> 4 < 5; 32 fits
def test_a_sequential_fed_a_tensor_of_known_size_is_counted_from_it(side, expected):
    source = (f"net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.MaxPool2d(2), nn.Conv2d(8, 8, 3), nn.MaxPool2d(2),\n"
              f"                    nn.Conv2d(8, 8, 5))\nout = net(torch.randn(4, 3, {side}, {side}))\n")
    assert lines(NAME, source) == expected
