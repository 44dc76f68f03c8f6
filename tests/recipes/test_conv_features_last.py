from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import conv_features_last as recipe

BATCH_FIRST = '''\
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(2)


class Frames(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        return torch.randn(20, 3), i % 2


class SignalNet(nn.Module):
    def __init__(self, channels=32, heads=4):
        super().__init__()
        self.conv = nn.Conv1d(3, channels, kernel_size=3, padding=1)
        self.attn = nn.MultiheadAttention(channels, heads, batch_first=True)
        self.fc = nn.Linear(channels, 2)

    def forward(self, x):                 # x: [B, T, 3]
        h = self.conv(x.transpose(1, 2))  # [B, C, T]
        h, _ = self.attn(h, h, h)
        return self.fc(h.mean(1))


net = SignalNet()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for x, y in DataLoader(Frames(), batch_size=4):
    loss = nn.functional.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

MEANT = '''
x = torch.randn(2, 20, 3)
h = net.conv(x.transpose(1, 2)).transpose(1, 2)            # [B, T, C]: attention over time
reference = net.fc(net.attn(h, h, h)[0].mean(1))
assert torch.allclose(net(x), reference) and reference.shape == (2, 2)
'''

SEQUENCE_FIRST = '''\
import torch
from torch import nn

torch.manual_seed(0)
conv = nn.Conv1d(1, 16, 5, padding=2)
layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0)
encoder = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
signal = torch.randn(4, 1, 50)
features = conv(signal)
encoded = encoder(features)
'''

OTHER_WIDTH = SEQUENCE_FIRST.replace("nn.Conv1d(1, 16, 5", "nn.Conv1d(1, 8, 5")


def test_conv_channels_move_last_for_batch_first_attention(sandbox):
    patched = patch(recipe, BATCH_FIRST, sandbox.facts(BATCH_FIRST, "AssertionError"))
    assert "        h = h.transpose(1, 2)\n        h, _ = self.attn(h, h, h)\n" in patched
    sandbox.assert_clean(patched + MEANT)


def test_sequence_first_layer_gets_length_batch_channels(sandbox):
    patched = patch(recipe, SEQUENCE_FIRST, sandbox.facts(SEQUENCE_FIRST, "AssertionError"))
    assert "features = features.permute(2, 0, 1)\nencoded = encoder(features)\n" in patched
    sandbox.assert_clean(patched + "assert encoded.shape == (50, 4, 16)\n")


def test_not_when_the_conv_has_another_width(sandbox):
    facts = sandbox.facts(OTHER_WIDTH, "AssertionError")
    assert not applies(recipe, OTHER_WIDTH, facts)


SEQUENTIAL_FRONT_END = '''\
import torch
import torch.nn as nn

torch.manual_seed(1)
SENSORS, WIDTH, STEPS = 6, 32, 40


class GestureNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv1d(SENSORS, WIDTH, 5, padding=2),
            nn.BatchNorm1d(WIDTH),
            nn.GELU(),
        )
        self.mix = nn.TransformerEncoderLayer(WIDTH, 4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.head = nn.Linear(WIDTH, 3)

    def forward(self, signal):            # signal: [B, SENSORS, STEPS]
        z = self.stem(signal)
        z = self.mix(z)
        return self.head(z.mean(1))


net = GestureNet()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
signal, label = torch.randn(8, SENSORS, STEPS), torch.randint(0, 3, (8,))
loss = nn.functional.cross_entropy(net(signal), label)
loss.backward()
opt.step()
'''

SEQUENTIAL_MEANT = '''
net.eval()
x = torch.randn(2, SENSORS, STEPS)
tokens = net.stem(x).transpose(1, 2)                      # [B, STEPS, WIDTH]: one token per step
assert torch.allclose(net(x), net.head(net.mix(tokens).mean(1)), atol=1e-6)
'''


def test_conv_front_end_in_a_sequential_moves_channels_last(sandbox):
    patched = patch(recipe, SEQUENTIAL_FRONT_END, sandbox.facts(SEQUENTIAL_FRONT_END, "AssertionError"))
    assert "        z = z.transpose(1, 2)\n        z = self.mix(z)\n" in patched
    sandbox.assert_clean(patched + SEQUENTIAL_MEANT)
