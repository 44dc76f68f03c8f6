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
