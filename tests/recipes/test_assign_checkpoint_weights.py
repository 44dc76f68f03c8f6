from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import assign_checkpoint_weights as recipe

CONFIG = '''\
import argparse
import os
import tempfile

import torch
import torch.nn as nn


class TextEncoder(nn.Module):
    def __init__(self, vocab, width):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.mix = nn.Linear(width, width)

    def forward(self, ids):
        return self.mix(self.embed(ids)).mean(1)


parser = argparse.ArgumentParser()
parser.add_argument("--vocab", type=int, default=100)
parser.add_argument("--width", type=int, default=32)
parser.add_argument("--device", default="cpu")
parser.add_argument("--weights", default=os.path.join(tempfile.mkdtemp(), "encoder.pt"))
args = parser.parse_args([])

torch.manual_seed(0)
trained = TextEncoder(args.vocab, args.width)
torch.save(trained.state_dict(), args.weights)

with torch.device("meta"):
    encoder = TextEncoder(args.vocab, args.width)
encoder.load_state_dict(torch.load(args.weights, map_location=args.device, weights_only=True))
encoder = encoder.to(args.device).eval()
ids = torch.randint(0, args.vocab, (4, 9))
features = encoder(ids)
'''

HELPER = '''\
import torch
import torch.nn as nn


class ScaledCosine(nn.Module):
    """Cosine-similarity head with a learned temperature."""

    def __init__(self, dim, classes):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(classes, dim))
        self.scale = nn.Parameter(torch.tensor(10.0))

    def forward(self, x):
        return self.scale * nn.functional.normalize(x, dim=1) @ nn.functional.normalize(self.weight, dim=1).T


def restore(state):
    with torch.device("meta"):
        head = ScaledCosine(8, 5)
    head.load_state_dict(state, strict=True)
    return head


source = ScaledCosine(8, 5)
with torch.no_grad():
    source.scale.fill_(16.0)
head = restore(source.state_dict())
print("temperature", head.scale.item())
scores = head(torch.randn(3, 8))
'''


def test_the_checkpoint_becomes_the_parameters(sandbox):
    patched = patch(recipe, CONFIG, sandbox.facts(CONFIG, "NotImplementedError"))
    assert ("encoder.load_state_dict(torch.load(args.weights, map_location=args.device, weights_only=True), "
            "assign=True)\n") in patched
    sandbox.assert_clean(patched + "assert not any(p.is_meta for p in encoder.parameters())\n"
                         "assert torch.equal(features, trained(ids))\n")


def test_a_loading_helper_assigns_too(sandbox):
    patched = patch(recipe, HELPER, sandbox.facts(HELPER, "RuntimeError"))
    assert "    head.load_state_dict(state, strict=True, assign=True)\n" in patched
    sandbox.assert_clean(patched + "assert head.scale.item() == 16.0 and scores.shape == (3, 5)\n"
                         "assert torch.equal(head.weight, source.weight)\n")


def test_no_load_means_no_values_to_assign():
    facts = Facts("NotImplementedError", "Cannot copy out of meta tensor; no data! Please use "
                  "torch.nn.Module.to_empty() instead of torch.nn.Module.to() when moving module from meta to a "
                  "different device.", line=4, lines=(4,))
    code = ("import torch\nwith torch.device('meta'):\n    model = Net()\nmodel = model.to('cpu')\n"
            "other.load_state_dict(sd)\n")
    assert not applies(recipe, code, facts)
