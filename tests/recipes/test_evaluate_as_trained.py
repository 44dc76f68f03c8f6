from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import evaluate_as_trained as recipe

HEAD_OF_ANOTHER_SIZE = '''\
import io
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, n_features=16, n_classes=10):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU())
        self.head = nn.Linear(32, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


torch.manual_seed(0)
trained = Classifier(n_classes=10)
buffer = io.BytesIO()
torch.save(trained.state_dict(), buffer)
buffer.seek(0)

model = Classifier(n_classes=5)
model.load_state_dict(torch.load(buffer))
model.eval()
x = torch.randn(2, 16)
with torch.no_grad():
    predictions = model(x).argmax(1)
'''

VOCABULARY_IN_A_HELPER = '''\
import os
import tempfile
import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.tokens = nn.Embedding(vocab, dim)
        self.mix = nn.Linear(dim, dim)

    def forward(self, ids):
        return self.mix(self.tokens(ids)).mean(1)


def export(path):
    torch.save(Encoder(vocab=100, dim=16).state_dict(), path)


def embed_queries(path, queries):
    encoder = Encoder(vocab=120, dim=16)
    encoder.load_state_dict(torch.load(path))
    with torch.no_grad():
        return encoder(queries)


path = os.path.join(tempfile.mkdtemp(), "encoder.pt")
export(path)
queries = torch.randint(0, 100, (3, 7))
vectors = embed_queries(path, queries)
'''

FINE_TUNING = '''\
import io
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.body = nn.Linear(8, 16)
        self.head = nn.Linear(16, n_classes)

    def forward(self, x):
        return self.head(torch.relu(self.body(x)))


buffer = io.BytesIO()
torch.save(Classifier(n_classes=10).state_dict(), buffer)
buffer.seek(0)

model = Classifier(n_classes=3)          # the new task has three classes
model.load_state_dict(torch.load(buffer))
opt = torch.optim.Adam(model.parameters())
x, y = torch.randn(12, 8), torch.randint(0, 3, (12,))
loss = nn.functional.cross_entropy(model(x), y)
loss.backward()
opt.step()
'''


def test_the_evaluated_model_is_built_as_the_saved_one(sandbox):
    patched = patch(recipe, HEAD_OF_ANOTHER_SIZE, sandbox.facts(HEAD_OF_ANOTHER_SIZE, "RuntimeError"))
    assert "model = Classifier(n_classes=10)\nmodel.load_state_dict(torch.load(buffer))\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(predictions, trained(x).argmax(1))\n")


def test_a_vocabulary_size_in_a_helper_that_embeds(sandbox):
    patched = patch(recipe, VOCABULARY_IN_A_HELPER, sandbox.facts(VOCABULARY_IN_A_HELPER, "RuntimeError"))
    assert "    encoder = Encoder(vocab=100, dim=16)\n" in patched
    sandbox.assert_clean(patched + "reference = Encoder(100, 16)\nreference.load_state_dict(torch.load(path))\n"
                                   "assert vectors.shape == (3, 16) and torch.allclose(vectors, reference(queries))\n")


def test_not_when_the_loaded_model_is_trained_for_a_new_task(sandbox):
    facts = sandbox.facts(FINE_TUNING, "RuntimeError")
    assert not applies(recipe, FINE_TUNING, facts)


WRAPPER_AND_CONFIG_OF_THE_TRAINING_RUN = '''\
import io

import torch
from torch import nn

DEFAULTS = {"d_model": 16, "n_classes": 4}


class Model(nn.Module):
    def __init__(self, d_model, n_classes):
        super().__init__()
        self.enc = nn.Linear(8, d_model)
        self.cls = nn.Linear(d_model, n_classes)

    def forward(self, x):
        return self.cls(torch.tanh(self.enc(x)))


class Predictor:
    def __init__(self, weights):
        self.model = Model(**DEFAULTS)
        self.model.load_state_dict(torch.load(weights))
        self.model.eval()

    @torch.no_grad()
    def __call__(self, rows):
        return self.model(rows).argmax(-1)


def train(cfg, store):
    torch.manual_seed(0)
    model = Model(**cfg)
    torch.save(model.state_dict(), store)
    return model


store = io.BytesIO()
trained = train({"d_model": 32, "n_classes": 4}, store)
store.seek(0)
rows = torch.randn(6, 8)
assert torch.equal(Predictor(store)(rows), trained(rows).argmax(-1))   # the trained weights serve
'''

SEQUENTIAL_RELOADED_IN_A_LATER_CELL = '''\
import io

import torch
from torch import nn

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
blob = io.BytesIO()
torch.save(encoder.state_dict(), blob)
x = torch.randn(5, 8)
expected = encoder(x).detach()

blob.seek(0)
encoder = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
encoder.load_state_dict(torch.load(blob))
with torch.no_grad():
    assert torch.equal(encoder(x), expected)
'''


def test_a_wrapper_class_builds_the_model_with_the_training_runs_config(sandbox):
    facts = sandbox.facts(WRAPPER_AND_CONFIG_OF_THE_TRAINING_RUN, "RuntimeError")
    patched = patch(recipe, WRAPPER_AND_CONFIG_OF_THE_TRAINING_RUN, facts)
    assert "        self.model = Model(d_model=32, n_classes=4)\n" in patched
    sandbox.assert_clean(patched)


def test_a_sequential_is_rebuilt_with_the_saved_ones_layers(sandbox):
    facts = sandbox.facts(SEQUENTIAL_RELOADED_IN_A_LATER_CELL, "RuntimeError")
    patched = patch(recipe, SEQUENTIAL_RELOADED_IN_A_LATER_CELL, facts)
    assert "encoder = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))\nencoder.load_state_dict" in patched
    sandbox.assert_clean(patched)


def test_a_loaded_model_handed_to_a_training_function_is_fine_tuned_not_evaluated():
    size = Facts("RuntimeError", "Error(s) in loading state_dict for Net:\n\tsize mismatch for out.weight: copying a "
                                 "param with shape torch.Size([6, 8]) from checkpoint, the shape in current model is "
                                 "torch.Size([2, 8]).")
    code = ("class Net(nn.Module):\n    pass\n\n\ndef fit(net, steps):\n    opt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
            "    for _ in range(steps):\n        net(x).sum().backward()\n        opt.step()\n\n\n"
            "teacher = Net(classes=6)\ntorch.save(teacher.state_dict(), 'teacher.pt')\n"
            "student = Net(classes=2)\nstudent.load_state_dict(torch.load('teacher.pt'))\n")
    assert applies(recipe, code + "print(student(x))\nfit(teacher, 3)\n", size)
    assert not applies(recipe, code + "fit(student, 3)\n", size)
