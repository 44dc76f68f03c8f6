from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import unflatten_images as recipe

MNIST_CSV = '''\
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

rows = np.random.default_rng(0).integers(0, 256, size=(50, 785)).astype(np.float32)   # label, 784 pixels
labels, pixels = torch.from_numpy(rows[:, 0] % 10).long(), torch.from_numpy(rows[:, 1:] / 255.0)
loader = DataLoader(TensorDataset(pixels, labels), batch_size=16)


class DigitNet(nn.Module):
    def __init__(self, channels=1):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


model = DigitNet()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for images, targets in loader:
    logits = model(images)
    loss = F.cross_entropy(logits, targets)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

MEANT = '''
seen = []
model.conv1.register_forward_hook(lambda m, i, o: seen.append(i[0]))
model(pixels[:2])
assert logits.shape == (2, 10)                       # the last, short batch of 50
assert torch.equal(seen[0][1, 0, 3], pixels[1, 3 * 28:4 * 28])   # row 3 of image 1 is pixels 84..111
'''

CIFAR_SEQUENTIAL = '''\
import torch
from torch import nn

IN_CHANNELS = 3
net = nn.Sequential(
    nn.Conv2d(IN_CHANNELS, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10),
)
batch = torch.rand(4, 3072)      # rows of a CIFAR pickle: 1024 red, 1024 green, 1024 blue
scores = net(batch)
'''


def test_the_flat_batch_becomes_images_at_the_first_conv(sandbox):
    patched = patch(recipe, MNIST_CSV, sandbox.facts(MNIST_CSV, "RuntimeError"))
    assert "x = F.max_pool2d(F.relu(self.conv1(x.unflatten(1, (1, 28, 28)))), 2)" in patched
    sandbox.assert_clean(patched + MEANT)


def test_a_sequential_starts_with_unflatten(sandbox):
    patched = patch(recipe, CIFAR_SEQUENTIAL, sandbox.facts(CIFAR_SEQUENTIAL, "RuntimeError"))
    assert "net = nn.Sequential(\n    nn.Unflatten(1, (3, 32, 32)), nn.Conv2d(IN_CHANNELS, 16, 3, padding=1)," in patched
    sandbox.assert_clean(patched + "assert scores.shape == (4, 10)\n")


def test_features_that_are_not_square_images_are_left_alone():
    facts = Facts("RuntimeError", "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                                  "[4, 3000]", line=10)
    assert not applies(recipe, CIFAR_SEQUENTIAL, facts)
    assert applies(recipe, CIFAR_SEQUENTIAL, Facts("RuntimeError", facts.message.replace("3000", "3072"), line=10))


ONE_SCAN = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(1, 4, 3), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2),
)
net.eval()
scan = torch.rand(20, 20)      # one grayscale scan, H x W
with torch.no_grad():
    probs = net(scan).softmax(dim=1)
'''

ONE_RECORDING = '''\
import torch
import torch.nn as nn


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 4, kernel_size=5)
        self.head = nn.Linear(4, 1)

    def forward(self, wave):
        z = torch.relu(self.conv(wave))
        return self.head(z.mean(-1))


torch.manual_seed(1)
det = Detector()
wave = torch.randn(50)  # one recording
score = det(wave)
'''


def test_one_grayscale_image_becomes_a_batch_of_one_single_channel_image(sandbox):
    patched = patch(recipe, ONE_SCAN, sandbox.facts(ONE_SCAN, "RuntimeError"))
    assert "    probs = net(scan.unsqueeze(0).unsqueeze(0)).softmax(dim=1)\n" in patched
    meant = "assert probs.shape == (1, 2) and torch.allclose(probs, net(scan.view(1, 1, 20, 20)).softmax(1))\n"
    sandbox.assert_clean(patched + meant)


def test_one_recording_into_conv1d_is_one_channel_of_one_sample(sandbox):
    patched = patch(recipe, ONE_RECORDING, sandbox.facts(ONE_RECORDING, "RuntimeError"))
    assert "score = det(wave.unsqueeze(0).unsqueeze(0))\n" in patched
    sandbox.assert_clean(patched + "assert score.shape == (1, 1) and det.conv(wave.view(1, 1, 50)).shape == (1, 4, 46)\n")


def test_a_lone_sample_needs_a_one_channel_conv():
    three_channels = ONE_SCAN.replace("nn.Conv2d(1, 4, 3)", "nn.Conv2d(3, 4, 3)")
    message = "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [20, 20]"
    assert not applies(recipe, three_channels, Facts("RuntimeError", message, line=12, lines=(12,)))
    assert applies(recipe, ONE_SCAN, Facts("RuntimeError", message, line=12, lines=(12,)))
