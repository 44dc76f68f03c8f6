from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import torch_spelling as recipe

PIPELINE = '''\
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def normalise(pixels):
    """Scales 8-bit pixels to [0, 1] floats."""
    pixels = pixels.astype(np.float32) / 255.0
    return pixels


torch.manual_seed(0)
images = torch.randint(0, 256, (40, 12), dtype=torch.uint8)
labels = torch.randint(0, 2, (40,))
loader = DataLoader(TensorDataset(images, labels), batch_size=10)
model = nn.Linear(12, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
batches = []
for raw, target in loader:
    x = normalise(raw)
    loss = nn.functional.cross_entropy(model(x), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    batches.append(x)
'''

# The pixels were scaled as floats, as NumPy's astype would have done.
SCALED = '''
assert all(b.dtype == torch.float32 for b in batches)
assert torch.allclose(torch.cat(batches), images.float() / 255.0)
'''

TRAINER = '''\
import numpy as np
import torch
import torch.nn as nn


class Smoother(nn.Module):
    """Exponential moving average over time, with a learned input projection."""

    def __init__(self, dim, alpha=0.5):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.alpha = alpha

    def forward(self, seq):
        state = torch.zeros(seq.shape[0], seq.shape[2], dtype=np.float32)
        for t in range(seq.shape[1]):
            state = self.alpha * state + (1 - self.alpha) * self.proj(seq[:, t])
        return state


def train_step(model, optimizer, seq, target):
    prediction = model(seq)
    loss = nn.functional.mse_loss(prediction, target)
    optimizer.zero_grad()
    loss.backwards()
    optimizer.step()
    return loss.item()


torch.manual_seed(0)
model = Smoother(4)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
seq, target = torch.randn(8, 5, 4), torch.randn(8, 4)
before = [p.clone() for p in model.parameters()]
losses = [train_step(model, optimizer, seq, target) for _ in range(3)]
snapshot = seq.copy()
'''


def test_astype_becomes_to_in_a_helper(sandbox):
    patched = patch(recipe, PIPELINE, sandbox.facts(PIPELINE, "AttributeError"))
    assert "    pixels = pixels.to(torch.float32) / 255.0\n" in patched
    sandbox.assert_clean(patched + SCALED)


def test_each_spelling_in_turn_dtype_then_backward_then_copy(sandbox):
    first = patch(recipe, TRAINER, sandbox.facts(TRAINER, "TypeError"))
    assert "dtype=torch.float32)\n" in first and "loss.backwards()" in first
    second = patch(recipe, first, sandbox.facts(first, "AttributeError"))
    assert "    loss.backward()\n" in second and "snapshot = seq.copy()" in second
    third = patch(recipe, second, sandbox.facts(second, "AttributeError"))
    assert "snapshot = seq.clone()\n" in third
    sandbox.assert_clean(third + "assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))\n"
                         "assert torch.equal(snapshot, seq) and snapshot.data_ptr() != seq.data_ptr()\n")


def test_numpy_calls_and_unknown_dtypes_are_left_alone():
    facts = Facts("AttributeError", "'Tensor' object has no attribute 'astype'", line=3, lines=(3,))
    code = "import numpy as np\nimport torch\ny = x.astype(config.dtype) + np.zeros(3, dtype=np.float32)\n"
    assert not applies(recipe, code, facts)
