from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import register_buffer as recipe

PROJECTION = '''\
import torch
import torch.nn as nn


class RandomFeatures(nn.Module):
    """Random Fourier features followed by a trained linear readout."""

    def __init__(self, dim, features=64):
        super().__init__()
        self.projection = torch.randn(dim, features)   # fixed, never trained
        self.scale = torch.tensor(2.0)
        self.readout = nn.Linear(features, 1)

    def forward(self, x):
        return self.readout(torch.cos(x @ self.projection * self.scale))


torch.manual_seed(0)
model = RandomFeatures(3).double()
x = torch.randn(50, 3, dtype=torch.float64)
y = x.sum(1, keepdim=True).sin()
optimizer = torch.optim.LBFGS(model.parameters(), max_iter=5)


def closure():
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    return loss


optimizer.step(closure)
'''

# The projection followed .double(), and a checkpoint restores the same random features.
FOLLOWED = '''
assert model.projection.dtype == torch.float64 and "projection" in model.state_dict()
assert "scale" not in model.state_dict() and model.scale.dtype == torch.float64
copy = RandomFeatures(3).double()
copy.load_state_dict(model.state_dict())
assert torch.equal(copy(x), model(x))
'''

REWARDS = '''\
import torch
import torch.nn as nn


class RewardScaler(nn.Module):
    def __init__(self, decay=0.9):
        super().__init__()
        self.decay = decay
        self.mean = torch.zeros(1)  # running mean of the returns

    def forward(self, returns):
        if self.training:
            with torch.no_grad():
                self.mean.lerp_(returns.mean().reshape(1), 1 - self.decay)
        return returns - self.mean


critic = nn.Linear(4, 1).double()
scaler = RewardScaler().double()
optimizer = torch.optim.SGD(critic.parameters(), lr=0.01)
torch.manual_seed(0)
for episode in range(20):
    states = torch.randn(16, 4, dtype=torch.float64)
    returns = torch.randn(16, 1, dtype=torch.float64) + 5
    loss = (critic(states) - scaler(returns)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''


def test_constants_and_random_tables_follow_the_module(sandbox):
    patched = patch(recipe, PROJECTION, sandbox.facts(PROJECTION, "RuntimeError"))
    assert ('        self.register_buffer("projection", torch.randn(dim, features))   # fixed, never trained\n'
            '        self.register_buffer("scale", torch.tensor(2.0), persistent=False)\n') in patched
    sandbox.assert_clean(patched + FOLLOWED)


def test_running_statistics_are_kept_in_the_checkpoint(sandbox):
    patched = patch(recipe, REWARDS, sandbox.facts(REWARDS, "RuntimeError"))
    assert '        self.register_buffer("mean", torch.zeros(1))  # running mean of the returns\n' in patched
    sandbox.assert_clean(patched + "assert scaler.mean.dtype == torch.float64 and 4 < scaler.mean.item() < 6\n"
                         "assert torch.equal(scaler.state_dict()['mean'], scaler.mean)\n")


def test_an_input_of_the_wrong_dtype_is_not_a_buffer_problem():
    code = ("import torch\nimport torch.nn as nn\nclass Head(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.w = nn.Parameter(torch.randn(3, 2))\n"
            "    def forward(self, x):\n        return x @ self.w\n")
    facts = Facts("RuntimeError", "expected m1 and m2 to have the same dtype, but got: double != float", line=8, lines=(8,))
    assert not applies(recipe, code, facts)


def test_an_attribute_read_through_a_local_name(sandbox):
    broken = ("""\
import torch
import torch.nn as nn


class Pooling(nn.Module):
    \"\"\"Averages neighbouring features with a fixed banded matrix.\"\"\"

    def __init__(self, width):
        super().__init__()
        self.band = torch.eye(width) + torch.eye(width).roll(1, 0)

    def forward(self, x):
        band = self.band
        return x @ band / 2


pool = nn.Sequential(nn.Linear(4, 6), Pooling(6)).double()
out = pool(torch.randn(3, 4, dtype=torch.float64))
""")
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert ('        self.register_buffer("band", torch.eye(width) + torch.eye(width).roll(1, 0), persistent=False)\n'
            in patched)
    sandbox.assert_clean(patched + "assert out.dtype == torch.float64 and out.shape == (3, 6)\n"
                         "h = pool[0](torch.ones(1, 4, dtype=torch.float64))\n"
                         "assert torch.allclose(pool(torch.ones(1, 4, dtype=torch.float64))[0, 1], (h[0, 1] + h[0, 2]) / 2)\n")
