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


MOVED_BEFORE_LOADING = '''\
import argparse
import io

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--init-device", default="meta")
parser.add_argument("--device", default="cpu")
args = parser.parse_args([])


class Tagger(nn.Module):
    def __init__(self, vocab=30, dim=8, tags=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, tags)

    def forward(self, ids):
        return self.out(self.rnn(self.emb(ids))[0])


torch.manual_seed(0)
trained = Tagger()
store = io.BytesIO()
torch.save(trained.state_dict(), store)
store.seek(0)

with torch.device(args.init_device):
    tagger = Tagger()
tagger = tagger.to(args.device)
tagger.load_state_dict(torch.load(store))
ids = torch.randint(0, 30, (2, 5))
tags = tagger(ids)
'''


def test_a_model_moved_before_its_checkpoint_is_loaded_gets_empty_storage_to_load_into(sandbox):
    patched = patch(recipe, MOVED_BEFORE_LOADING, sandbox.facts(MOVED_BEFORE_LOADING, "NotImplementedError"))
    assert "tagger = tagger.to_empty(device=args.device)\ntagger.load_state_dict(torch.load(store))\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(tags, trained(ids)) and tags.shape == (2, 5, 4)\n")


def test_a_load_that_may_leave_parameters_out_gets_no_empty_storage(sandbox):
    code = MOVED_BEFORE_LOADING.replace("tagger.load_state_dict(torch.load(store))",
                                        "tagger.load_state_dict(torch.load(store), strict=False)")
    assert patch(recipe, code, sandbox.facts(code, "NotImplementedError")) is None


SUBMODULE_LOADS = '''\
import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(10, 20), nn.ReLU())
        self.head = nn.Linear(20, 2)

    def forward(self, x):
        return self.head(self.encoder(x))


torch.manual_seed(0)
pretrained = Model()
encoder_weights, head_weights = pretrained.encoder.state_dict(), pretrained.head.state_dict()

with torch.device("meta"):
    model = Model()
model.encoder.load_state_dict(encoder_weights)
model.head.load_state_dict(head_weights)
device = "cuda" if torch.cuda.is_available() else "cpu"
model.to(device)
x = torch.randn(3, 10, device=device)
out = model(x)
'''


def test_loads_into_the_parts_of_a_moved_model_assign(sandbox):
    patched = patch(recipe, SUBMODULE_LOADS, sandbox.facts(SUBMODULE_LOADS, "NotImplementedError"))
    assert "model.encoder.load_state_dict(encoder_weights, assign=True)\n" in patched
    assert "model.head.load_state_dict(head_weights, assign=True)\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(out, pretrained.to(device)(x))\n")


EMPTY_FROM_HELPERS = '''\
import torch
from torch import nn


class Calibrated(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(5, 3)
        self.log_t = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return self.net(x) / self.log_t.exp()


def empty_model():
    with torch.device("meta"):
        return Calibrated()


fitted = Calibrated()
with torch.no_grad():
    fitted.log_t.fill_(0.5)
sd = fitted.state_dict()

m = empty_model()
m.load_state_dict(sd)
shrunk = Calibrated().to("meta")
shrunk.load_state_dict(sd)
print(f"temperature = {m.log_t.exp().item():.3f}", shrunk.log_t.item())
x = torch.randn(4, 5)
probs = m(x).softmax(1)
'''


def test_models_a_helper_builds_on_meta_or_moved_to_meta_assign_their_checkpoint(sandbox):
    patched = patch(recipe, EMPTY_FROM_HELPERS, sandbox.facts(EMPTY_FROM_HELPERS, "RuntimeError"))
    assert "m.load_state_dict(sd, assign=True)\nshrunk = " in patched and "shrunk.load_state_dict(sd, assign=True)\n" in patched
    sandbox.assert_clean(patched + "assert m.log_t.item() == shrunk.log_t.item() == 0.5\n"
                         "assert torch.equal(probs, fitted(x).softmax(1))\n")


MOVED_IN_A_LOADER = '''\
import os
import tempfile

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3)
        self.bn = nn.BatchNorm2d(6)
        self.fc = nn.Linear(6, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).mean((2, 3)))


def restore(path, device):
    with torch.device("meta"):
        net = Net()
    net = net.to(device=device)
    net.load_state_dict(torch.load(path, map_location=device))
    return net.eval()


torch.manual_seed(0)
path = os.path.join(tempfile.mkdtemp(), "net.pt")
trained = Net()
trained(torch.randn(4, 3, 8, 8))  # running statistics that only the checkpoint holds
trained.eval()
torch.save(trained.state_dict(), path)
net = restore(path, torch.device("cpu"))
x = torch.randn(2, 3, 8, 8)
scores = net(x)
'''


def test_a_loader_that_moves_before_loading_moves_to_empty_storage_not_assigns_after_the_failure(sandbox):
    patched = patch(recipe, MOVED_IN_A_LOADER, sandbox.facts(MOVED_IN_A_LOADER, "NotImplementedError"))
    assert "    net = net.to_empty(device=device)\n    net.load_state_dict(torch.load(path, map_location=device))\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(scores, trained(x))\n"
                         "assert torch.equal(net.bn.running_var, trained.bn.running_var)\n")


LOADED_IN_A_CLASSMETHOD = '''\
import io

import torch
import torch.nn as nn


class TinyLM(nn.Module):
    def __init__(self, vocab, dim, device=None):
        super().__init__()
        self.config = {"vocab": vocab, "dim": dim}
        self.tok = nn.Embedding(vocab, dim, device=device)
        self.lm_head = nn.Linear(dim, vocab, bias=False, device=device)

    def forward(self, ids):
        return self.lm_head(self.tok(ids))

    @classmethod
    def from_checkpoint(cls, fileobj):
        payload = torch.load(fileobj)
        model = cls(**payload["config"], device="meta")
        model.load_state_dict(payload["weights"])
        return model


torch.manual_seed(0)
lm = TinyLM(40, 8)
f = io.BytesIO()
torch.save({"config": lm.config, "weights": lm.state_dict()}, f)
f.seek(0)
restored = TinyLM.from_checkpoint(f).to("cpu")
ids = torch.randint(0, 40, (1, 6))
logits = restored(ids)
'''


def test_a_model_loaded_by_the_call_whose_result_the_failing_line_moves_assigns(sandbox):
    patched = patch(recipe, LOADED_IN_A_CLASSMETHOD, sandbox.facts(LOADED_IN_A_CLASSMETHOD, "NotImplementedError"))
    assert '        model.load_state_dict(payload["weights"], assign=True)\n' in patched
    sandbox.assert_clean(patched + "assert torch.equal(logits, lm(ids)) and logits.shape == (1, 6, 40)\n")


BACKBONE_ONLY = '''\
import io

import torch
import torch.nn as nn


class Detector(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(8, classes)

    def forward(self, images):
        return self.classifier(self.stem(images))


def backbone_checkpoint():
    torch.manual_seed(0)
    pretrained = Detector(classes=10)
    store = io.BytesIO()
    torch.save({k: v for k, v in pretrained.state_dict().items() if k.startswith("stem.")}, store)
    store.seek(0)
    return store


backbone = torch.load(backbone_checkpoint(), weights_only=True)
with torch.device("meta"):
    detector = Detector(classes=4)
result = detector.load_state_dict(backbone, strict=False, assign=True)
detector = detector.to("cpu")
optimizer = torch.optim.SGD(detector.classifier.parameters(), lr=0.1)
images, labels = torch.randn(6, 3, 16, 16), torch.randint(0, 4, (6,))
loss = nn.functional.cross_entropy(detector(images), labels)
loss.backward()
optimizer.step()
'''

# The stem (with its BatchNorm statistics) is the checkpoint's; the new head is a freshly
# initialised 4-class layer that trained.
STEM_LOADED_HEAD_NEW = '''
assert all(torch.equal(detector.state_dict()[k], v) for k, v in backbone.items())
assert not any(t.is_meta for t in detector.state_dict().values())
assert detector.classifier.weight.shape == (4, 8) and detector.classifier.weight.abs().max() <= 8 ** -0.5 + 0.2
assert torch.isfinite(loss) and detector.classifier.weight.grad is not None
'''


def test_the_layers_a_partial_checkpoint_lacks_are_initialised_after_the_load(sandbox):
    patched = patch(recipe, BACKBONE_ONLY, sandbox.facts(BACKBONE_ONLY, "NotImplementedError"))
    assert "result = detector.load_state_dict(backbone, strict=False, assign=True)\nfor submodule in detector.modules()" in patched
    assert "        submodule.reset_parameters()\n" in patched
    sandbox.assert_clean(patched + STEM_LOADED_HEAD_NEW)
