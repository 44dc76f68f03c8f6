from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import one_channel_stats as recipe

XRAY_PIPELINE = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


class Normalize:
    def __init__(self, mean, std):
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def __call__(self, img):
        return img.clone().sub_(self.mean).div_(self.std)


class XRays(Dataset):
    def __init__(self, n, transform=None):
        self.images = torch.rand(n, 1, 16, 16)
        self.labels = torch.randint(0, 2, (n,))
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = self.images[i]
        if self.transform is not None:
            img = self.transform(img)
        return img, self.labels[i]


dataset = XRays(16, transform=Normalize(MEAN, STD))
loader = DataLoader(dataset, batch_size=4)
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 14 * 14, 2))
for images, labels in loader:
    loss = nn.functional.cross_entropy(model(images), labels)
    loss.backward()

# what was meant: every image normalised with one mean and one std
img, _ = dataset[0]
assert img.shape == (1, 16, 16)
assert torch.allclose(img, (dataset.images[0] - 0.449) / 0.226)
'''


def test_averages_the_constants_the_normalize_was_given(sandbox):
    patched = patch(recipe, XRAY_PIPELINE, sandbox.facts(XRAY_PIPELINE, "RuntimeError"))
    assert "MEAN, STD = [0.449], [0.226]\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_model_takes_rgb():
    message = "output with shape [1, 28, 28] doesn't match the broadcast shape [3, 28, 28]"
    source = ("import torch.nn as nn\nfrom torchvision import transforms\n"
              "t = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])\n"
              "model = nn.Conv2d(3, 8, 3)\n")
    assert not applies(recipe, source, Facts("RuntimeError", message))
    one_channel = source.replace("nn.Conv2d(3, 8, 3)", "nn.Conv2d(1, 8, 3)")
    assert patch(recipe, one_channel, Facts("RuntimeError", message)).count("[0.449]") == 1


BUFFERED_STATS = '''\
import torch
import torch.nn as nn


class Preprocess(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))

    def forward(self, x):
        return x.sub_(self.mean).div_(self.std)


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.pre = Preprocess()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.head = nn.Linear(4 * 16 * 16, 10)

    def forward(self, x):
        x = self.pre(x)
        return self.head(torch.relu(self.conv(x)).flatten(1))


torch.manual_seed(1)
model = SmallNet()
batch = torch.rand(6, 1, 16, 16)
raw = batch.clone()
logits = model(batch)
'''


def test_hand_written_stats_buffers_get_one_channel_and_their_view_too(sandbox):
    patched = patch(recipe, BUFFERED_STATS, sandbox.facts(BUFFERED_STATS, "RuntimeError"))
    assert '        self.register_buffer("mean", torch.tensor([0.5]).view(1, 1, 1, 1))\n' in patched
    assert '        self.register_buffer("std", torch.tensor([0.5]).view(1, 1, 1, 1))\n' in patched
    sandbox.assert_clean(patched + '''
assert logits.shape == (6, 10) and torch.allclose(batch, (raw - 0.5) / 0.5)
''')


DEFAULT_STATS = '''\
import torch

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def normalize(img, mean=MEAN, std=STD):
    m = torch.tensor(mean)[:, None, None]
    s = torch.tensor(std)[:, None, None]
    img -= m
    img /= s
    return img


torch.manual_seed(2)
raw = torch.rand(1, 20, 20)
x = normalize(raw.clone())
'''


def test_stats_reached_through_a_default_argument_are_averaged_where_written(sandbox):
    patched = patch(recipe, DEFAULT_STATS, sandbox.facts(DEFAULT_STATS, "RuntimeError"))
    assert patched.startswith("import torch\n\nMEAN = (0.449,)\nSTD = (0.226,)\n\n\ndef normalize(img, mean=MEAN, std=STD):\n")
    sandbox.assert_clean(patched + "assert x.shape == (1, 20, 20) and torch.allclose(x, (raw - 0.449) / 0.226)\n")


CONFIG_STATS = '''\
import torch
from torch import nn

CFG = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "batch": 8}


class Normalize(nn.Module):
    """Scales a [C, H, W] image in place, the way torchvision's transform does."""

    def __init__(self, mean, std, eps=0.0):
        super().__init__()
        self.shift, self.scale, self.eps = torch.as_tensor(mean), torch.as_tensor(std), eps

    def forward(self, picture):
        picture.sub_(self.shift.reshape(-1, 1, 1))
        return picture.div_(self.scale.reshape(-1, 1, 1) + self.eps)


norm = Normalize(CFG["mean"], CFG["std"])
raw = torch.rand(4, 1, 28, 28)
images = torch.stack([norm(image.clone()) for image in raw])
net = nn.Conv2d(1, 8, 3)
out = net(images)
'''


def test_stats_from_a_config_dict_are_changed_in_the_dict(sandbox):
    patched = patch(recipe, CONFIG_STATS, sandbox.facts(CONFIG_STATS, "RuntimeError"))
    assert 'CFG = {"mean": [0.449], "std": [0.226], "batch": 8}\n' in patched
    sandbox.assert_clean(patched + "assert torch.allclose(images, (raw - 0.449) / 0.226) and out.shape == (4, 8, 26, 26)\n")
