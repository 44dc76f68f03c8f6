from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import resize_before_cat as recipe

UNET = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


def double_conv(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.Conv2d(c_out, c_out, 3, padding=1))


class TinyUNet(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.down = double_conv(1, 8)
        self.bottom = double_conv(8, 16)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.merge = double_conv(16, 8)
        self.out = nn.Conv2d(8, classes, 1)

    def forward(self, x):
        self.skip = self.down(x)                            # [N, 8, 25, 25]
        h = self.bottom(F.max_pool2d(self.skip, 2))         # [N, 16, 12, 12]
        up = self.up(h)                                     # [N, 8, 24, 24]
        h = torch.cat([up, self.skip], dim=1)
        return self.out(self.merge(h))


model = TinyUNet()
scans = torch.randn(2, 1, 25, 25)
masks = torch.randint(0, 3, (2, 25, 25))
logits = model(scans)
loss = F.cross_entropy(logits, masks)
loss.backward()
'''

SIGNAL = '''\
import torch
from torch import nn

CHANNELS = 1


class Denoiser(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv1d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool1d(2)
        self.dec = nn.Upsample(scale_factor=2)
        self.head = nn.Conv1d(8, 1, 1)

    def forward(self, wave):
        skip = self.enc(wave)
        up = self.dec(self.pool(skip))
        return self.head(torch.cat((skip, up), CHANNELS))


clean = Denoiser()(torch.randn(4, 1, 101))
'''


def test_upsampled_path_takes_the_skip_size(sandbox):
    patched = patch(recipe, UNET, sandbox.facts(UNET, "RuntimeError"))
    assert "h = torch.cat([F.interpolate(up, size=self.skip.shape[2:]), self.skip], dim=1)" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (2, 3, 25, 25)\n")


def test_the_smaller_tensor_is_resized_when_it_comes_second(sandbox):
    patched = patch(recipe, SIGNAL, sandbox.facts(SIGNAL, "RuntimeError"))
    assert "torch.cat((skip, torch.nn.functional.interpolate(up, size=skip.shape[2:])), CHANNELS)" in patched
    sandbox.assert_clean(patched + "assert clean.shape == (4, 1, 101)\n")


def test_only_a_concatenation_along_channels():
    facts = Facts("RuntimeError", "Sizes of tensors must match except in dimension 1. Expected size 24 but got "
                                  "size 25 for tensor number 1 in the list.", line=2)
    batches = "import torch\nx = torch.cat([a, b], dim=0)\n"
    assert not applies(recipe, batches, facts)
    assert applies(recipe, "import torch\nx = torch.cat([a, b], dim=1)\n", facts)


DEPTH_DECODER = '''\
import torch
import torch.nn as nn
from torch.nn import functional as nnf


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 6, 3, padding=1)
        self.deep = nn.Conv2d(6, 12, 3, padding=1)
        self.fuse = nn.Conv2d(18, 1, 1)

    def upsample_to(self, feature, reference):
        return nnf.interpolate(feature, scale_factor=2.0, mode="bilinear", align_corners=False)

    def forward(self, image):
        shallow = self.stem(image)                                 # [N, 6, 21, 21]
        deep = self.deep(nnf.avg_pool2d(shallow, 2))               # [N, 12, 10, 10]
        return self.fuse(torch.cat([self.upsample_to(deep, shallow), shallow], dim=1))


torch.manual_seed(0)
net = Decoder()
images = torch.randn(2, 3, 21, 21)
depth = net(images)
'''

# One bilinear interpolation straight to the skip's size, as the helper's parameter meant.
ONE_BILINEAR_RESIZE = '''
shallow = net.stem(images)
deep = net.deep(nnf.avg_pool2d(shallow, 2))
meant = nnf.interpolate(deep, size=(21, 21), mode="bilinear", align_corners=False)
assert depth.shape == (2, 1, 21, 21)
assert torch.allclose(depth, net.fuse(torch.cat([meant, shallow], dim=1)))
'''


def test_a_helpers_upsampling_factor_becomes_the_skip_size(sandbox):
    patched = patch(recipe, DEPTH_DECODER, sandbox.facts(DEPTH_DECODER, "RuntimeError"))
    assert ('        return nnf.interpolate(feature, size=reference.shape[2:], mode="bilinear", '
            'align_corners=False)\n') in patched
    assert "torch.cat([self.upsample_to(deep, shallow), shallow], dim=1)" in patched
    sandbox.assert_clean(patched + ONE_BILINEAR_RESIZE)


INLINE_UPSAMPLE = '''\
import torch
import torch.nn.functional as F

coarse = torch.randn(1, 4, 7, 7)
fine = torch.randn(1, 4, 15, 15)
merged = torch.cat([F.interpolate(coarse, scale_factor=2, mode="nearest"), fine], dim=1)
'''


def test_an_upsampling_in_the_cat_itself_takes_the_size(sandbox):
    patched = patch(recipe, INLINE_UPSAMPLE, sandbox.facts(INLINE_UPSAMPLE, "RuntimeError"))
    assert 'F.interpolate(coarse, size=fine.shape[2:], mode="nearest")' in patched
    sandbox.assert_clean(patched + "assert merged.shape == (1, 8, 15, 15)\n")


def test_a_helper_not_given_the_skip_is_resized_in_the_cat(sandbox):
    not_given = DEPTH_DECODER.replace("self.upsample_to(deep, shallow)", "self.upsample_to(deep, image)")
    patched = patch(recipe, not_given, sandbox.facts(not_given, "RuntimeError"))
    assert "scale_factor=2.0" in patched
    assert "nnf.interpolate(self.upsample_to(deep, image), size=shallow.shape[2:])" in patched
