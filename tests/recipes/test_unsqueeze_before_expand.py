from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import unsqueeze_before_expand as recipe

TOKEN_WEIGHTS = '''\
import torch
import torch.nn.functional as F


def weighted_token_loss(logits, targets, sample_weight):
    """Cross-entropy per token, each sample weighted as a whole."""
    B, T, V = logits.shape
    per_token = F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T), reduction="none").view(B, T)
    token_weight = sample_weight.expand(B, T)
    return (per_token * token_weight).sum() / token_weight.sum()


logits = torch.randn(4, 6, 11, requires_grad=True)
targets = torch.randint(0, 11, (4, 6))
weights = torch.tensor([1.0, 0.5, 2.0, 0.0])
loss = weighted_token_loss(logits, targets, weights)
loss.backward()
'''

MEANT = '''
per_token = F.cross_entropy(logits.reshape(24, 11), targets.reshape(24), reduction="none").view(4, 6)
expected = (per_token * weights[:, None]).sum() / (weights.sum() * 6)
assert torch.allclose(loss, expected)
'''

SQUEEZE_EXCITE = '''\
import torch
from torch import nn


class SqueezeExcite(nn.Module):
    def __init__(self, channels, reduction=4):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(channels, channels // reduction), nn.ReLU(),
                                nn.Linear(channels // reduction, channels), nn.Sigmoid())

    def forward(self, x):
        gate = self.fc(x.mean(dim=(2, 3)))          # [N, C]
        return x * gate.expand_as(x)


se = SqueezeExcite(8)
feat = torch.randn(2, 8, 5, 5)
out = se(feat)
'''


def assert_fixed(sandbox, source: str, fixed_line: str, check: str) -> None:
    """The recipe writes this line, and the patched program passes the check of what was meant."""
    patched = patch(recipe, source, sandbox.facts(source, "RuntimeError"))
    assert fixed_line in patched
    sandbox.assert_clean(patched + check)


def test_a_per_sample_weight_is_stretched_along_time(sandbox):
    assert_fixed(sandbox, TOKEN_WEIGHTS, "token_weight = sample_weight.unsqueeze(-1).expand(B, T)", MEANT)


def test_channel_gates_cover_every_pixel(sandbox):
    check = "gate = se.fc(feat.mean(dim=(2, 3)))\nassert torch.allclose(out[1, 3], feat[1, 3] * gate[1, 3])\n"
    assert_fixed(sandbox, SQUEEZE_EXCITE, "return x * gate.unsqueeze(-1).unsqueeze(-1).expand_as(x)", check)


def test_an_ambiguous_axis_is_left_alone():
    square = Facts("RuntimeError", "The expanded size of the tensor (5) must match the existing size (3) at "
                                   "non-singleton dimension 1.  Target sizes: [3, 5, 5].  Tensor sizes: [3, 5]", line=1)
    assert not applies(recipe, "keep = pad.expand(B, T, T)\n", square), "a [B, T] mask may mask keys or queries"
    facts = Facts("RuntimeError", "The expanded size of the tensor (6) must match the existing size (4) at "
                                  "non-singleton dimension 2.  Target sizes: [4, 4, 6].  Tensor sizes: [4]", line=1)
    assert not applies(recipe, "y = w.expand(4, 4, 6)\n", facts)
    assert applies(recipe, "y = w.expand(4, 6)\n", Facts("RuntimeError", facts.message.replace(
        "dimension 2.  Target sizes: [4, 4, 6]", "dimension 1.  Target sizes: [4, 6]"), line=1))


CONDITIONED_FRAMES = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

frames = torch.randn(8, 7, 4)
labels = torch.arange(8) % 3
loader = DataLoader(TensorDataset(frames, labels), batch_size=4)
cond = nn.Embedding(3, 4)
outputs = []
for clip, label in loader:
    c = cond(label)
    outputs.append(clip + c.expand(-1, clip.size(1), -1))
'''


def test_a_per_sample_vector_is_tiled_over_time(sandbox):
    check = ("assert outputs[1].shape == (4, 7, 4)\n"
             "assert torch.allclose(outputs[1][2, 5], frames[6, 5] + cond.weight[0])\n")
    assert_fixed(sandbox, CONDITIONED_FRAMES, "clip + c.unsqueeze(1).expand(-1, clip.size(1), -1)", check)


HEAD_TABLE = '''\
import torch

n_layers, n_heads, n_pos = 3, 4, 6
table = torch.zeros(n_layers, n_heads, n_pos)
scales = []
for layer in range(n_layers):
    head_scale = torch.rand(n_heads)
    scales.append(head_scale)
    table[layer] = head_scale
'''


def test_a_slice_assignment_stretches_each_value_along_its_row(sandbox):
    check = "assert torch.equal(table[2, 1], torch.full((n_pos,), scales[2][1].item()))\n"
    assert_fixed(sandbox, HEAD_TABLE, "table[layer] = head_scale.unsqueeze(-1)", check)



SET_ATTENTION = '''\
import torch

torch.manual_seed(2)
sizes = torch.tensor([5, 3, 4])
B, N, D = len(sizes), int(sizes.max()), 8
points = torch.randn(B, N, D)
padding = torch.arange(N)[None, :] >= sizes[:, None]          # [B, N], True on padded slots


def attend(x, padding):
    scores = x @ x.transpose(1, 2) / D ** 0.5                  # [B, N, N]
    blocked = padding.expand(B, N, N)
    weights = scores.masked_fill(blocked, -1e9).softmax(dim=-1)
    return weights @ x, weights


mixed, weights = attend(points, padding)
'''

# Each set attends over its own points only: the result for its real points is the unpadded one.
SAME_AS_UNPADDED = '''
for b, n in enumerate(sizes.tolist()):
    x = points[b, :n]
    alone = ((x @ x.T) / D ** 0.5).softmax(dim=-1) @ x
    assert torch.allclose(mixed[b, :n], alone, atol=1e-6)
    assert torch.all(weights[b, :, n:] == 0)
'''


def test_a_padding_mask_filled_with_minus_infinity_hides_keys(sandbox):
    assert_fixed(sandbox, SET_ATTENTION, "blocked = padding.unsqueeze(1).expand(B, N, N)", SAME_AS_UNPADDED)
