from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import view_to_reshape as recipe

PATCHES = '''\
import torch

def to_patches(images, p=4):
    n, c, h, w = images.shape
    x = images.unfold(2, p, p).unfold(3, p, p)          # n, c, h/p, w/p, p, p
    x = x.permute(0, 2, 3, 1, 4, 5)
    return x.view(n, -1, c * p * p)                     # one row per patch

images = torch.randn(2, 3, 16, 16)
flat = images.view(2, -1)                               # fine: contiguous
print(to_patches(images).shape, flat.shape)
'''


def test_only_the_failing_view_becomes_reshape(sandbox):
    facts = sandbox.facts(PATCHES, "RuntimeError")
    patched = patch(recipe, PATCHES, facts)
    assert "    return x.reshape(n, -1, c * p * p)                     # one row per patch" in patched
    assert "flat = images.view(2, -1)" in patched
    sandbox.assert_clean(patched)


def test_view_after_transpose_in_a_loss(sandbox):
    broken = ("import torch\nlogits = torch.randn(4, 7, 10, requires_grad=True)\nlabels = torch.randint(0, 7, (4, 10))\n"
              "loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2).view(-1, 7), labels.view(-1))\n"
              "loss.backward()\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert "logits.transpose(1, 2).reshape(-1, 7), labels.reshape(-1)" in patched
    sandbox.assert_clean(patched)


def test_no_match_without_view():
    facts = Facts("RuntimeError", "view size is not compatible with input tensor's size and stride (at least one "
                                  "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    assert not applies(recipe, ("x = y.reshape(2, 3)\n"), facts)
    assert applies(recipe, ("x = y.view(2, 3)\n"), facts)
