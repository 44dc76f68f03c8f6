from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import build_as_trained as recipe

CONFIGS = '''\
import io

import torch
import torch.nn as nn

TRAIN_CONFIG = {"hidden": 32, "mlp_head": True}


class Classifier(nn.Module):
    def __init__(self, in_dim=12, hidden=16, classes=4, mlp_head=False):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU())
        if mlp_head:
            self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, classes))
        else:
            self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def fit(model, batches):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for x, y in batches:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def evaluate(saved, x):
    model = Classifier(hidden=32)
    model.load_state_dict(torch.load(saved, weights_only=True))
    return model.eval()(x)


torch.manual_seed(0)
trained = Classifier(**TRAIN_CONFIG)
fit(trained, [(torch.randn(8, 12), torch.randint(0, 4, (8,))) for _ in range(4)])
checkpoint = io.BytesIO()
torch.save(trained.state_dict(), checkpoint)
checkpoint.seek(0)
x = torch.randn(3, 12)
scores = evaluate(checkpoint, x)
'''


def test_the_loading_model_is_built_with_the_trained_config(sandbox):
    patched = patch(recipe, CONFIGS, sandbox.facts(CONFIGS, "RuntimeError"))
    assert "    model = Classifier(**TRAIN_CONFIG)\n" in patched
    sandbox.assert_clean(patched + "assert torch.equal(scores, trained.eval()(x))\n")


CHECKPOINTS = '''\
import os
import tempfile
import torch
from torch import nn

VOCAB = 30


class Tagger(nn.Module):
    def __init__(self, vocab, dim, projected):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        if projected:
            self.proj = nn.Linear(dim, dim)
        else:
            self.norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, 5)

    def forward(self, ids):
        x = self.embed(ids)
        return self.out(torch.tanh(self.proj(x)) if hasattr(self, "proj") else self.norm(x))


torch.manual_seed(0)
folder = tempfile.mkdtemp()
tagger = Tagger(VOCAB, 16, True)
for epoch in range(2):
    torch.save({"epoch": epoch, "model": tagger.state_dict()}, os.path.join(folder, f"epoch{epoch}.pt"))

student = Tagger(VOCAB, 16, False)
best = Tagger(VOCAB, 16, False)
best.load_state_dict(torch.load(os.path.join(folder, "epoch1.pt"))["model"])
'''


def test_only_the_model_that_failed_to_load_is_rebuilt(sandbox):
    patched = patch(recipe, CHECKPOINTS, sandbox.facts(CHECKPOINTS, "RuntimeError"))
    assert "student = Tagger(VOCAB, 16, False)\nbest = Tagger(VOCAB, 16, True)\n" in patched
    ids = "ids = torch.randint(0, VOCAB, (2, 7))\n"
    sandbox.assert_clean(patched + ids + "assert torch.equal(best(ids), tagger(ids))\n")


MISMATCH = Facts("RuntimeError", 'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: '
                                 '"head.weight", "head.bias". \n\tUnexpected key(s) in state_dict: "head.0.weight", '
                                 '"head.0.bias". ', line=6, lines=(6,))


def test_a_checkpoint_from_elsewhere_gives_no_evidence():
    code = ("class Net(nn.Module):\n    pass\n\n\nmodel = Net()\nmodel.load_state_dict(torch.load('hub.pth'))\n")
    assert not applies(recipe, code, MISMATCH)


def test_two_trained_configs_are_not_guessed_between():
    code = ("class Net(nn.Module):\n    pass\nmodel = Net(depth=2)\n"
            "torch.save(Net(depth=3).state_dict(), 'a.pth'); torch.save(Net(depth=4).state_dict(), 'b.pth')\n"
            "model = Net(depth=2)\nmodel.load_state_dict(torch.load('a.pth'))\n")
    assert not applies(recipe, code, MISMATCH)
    assert applies(recipe, code.replace(", 'a.pth'); torch.save(Net(depth=4).state_dict()", ""), MISMATCH)


FACTORY = '''\
import io
import torch
from torch import nn


def build_model(mlp_head):
    head = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3)) if mlp_head else nn.Linear(16, 3)
    return nn.ModuleDict({"body": nn.Linear(6, 16), "head": head})


def predict(model, x):
    return model["head"](torch.relu(model["body"](x)))


torch.manual_seed(0)
model = build_model(mlp_head=True)
saved = io.BytesIO()
torch.save(model.state_dict(), saved)
trained = model
saved.seek(0)
model = build_model(mlp_head=False)
model.load_state_dict(torch.load(saved))
'''


def test_a_model_built_by_a_factory_under_a_reused_name(sandbox):
    patched = patch(recipe, FACTORY, sandbox.facts(FACTORY, "RuntimeError"))
    assert "saved.seek(0)\nmodel = build_model(mlp_head=True)\nmodel.load_state_dict(" in patched
    x = "x = torch.randn(4, 6)\n"
    sandbox.assert_clean(patched + x + "assert torch.equal(predict(model, x), predict(trained, x))\n")


SAVED_HPARAMS = '''\
import io

import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab=50, dim=16, tags=5, cell="lstm"):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.cell = cell
        if cell == "gru":
            self.gru = nn.GRU(dim, dim, batch_first=True)
        else:
            self.lstm = nn.LSTM(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, tags)

    def forward(self, ids):
        rnn = self.gru if self.cell == "gru" else self.lstm
        return self.out(rnn(self.embed(ids))[0])


def train_run():
    hparams = {"vocab": 50, "dim": 16, "tags": 5, "cell": "gru"}
    torch.manual_seed(0)
    net = Tagger(**hparams)
    store = io.BytesIO()
    torch.save({"hparams": hparams, "weights": net.state_dict(), "epoch": 3}, store)
    store.seek(0)
    return store, net


def tag(store, ids):
    checkpoint = torch.load(store, weights_only=True)
    net = Tagger(vocab=50, dim=16, tags=5)
    net.load_state_dict(checkpoint["weights"])
    with torch.no_grad():
        return net.eval()(ids).argmax(-1)


store, trained = train_run()
ids = torch.randint(0, 50, (2, 7))
predicted = tag(store, ids)
'''

# The tagger that loads is the GRU one that was trained, with its own weights.
SAME_TAGS = '''
with torch.no_grad():
    assert torch.equal(predicted, trained.eval()(ids).argmax(-1))
assert predicted.shape == (2, 7)
'''


def test_a_config_local_to_training_is_read_from_the_checkpoint_that_saved_it(sandbox):
    patched = patch(recipe, SAVED_HPARAMS, sandbox.facts(SAVED_HPARAMS, "RuntimeError"))
    assert '    net = Tagger(**checkpoint["hparams"])\n' in patched
    sandbox.assert_clean(patched + SAME_TAGS)


UNSAVED_HPARAMS = SAVED_HPARAMS.replace('{"hparams": hparams, "weights": net.state_dict(), "epoch": 3}',
                                        '{"weights": net.state_dict(), "epoch": 3}')


def test_a_config_local_to_training_and_not_saved_is_written_as_its_value(sandbox):
    patched = patch(recipe, UNSAVED_HPARAMS, sandbox.facts(UNSAVED_HPARAMS, "RuntimeError"))
    assert '    net = Tagger(vocab=50, dim=16, tags=5, cell="gru")\n' in patched
    sandbox.assert_clean(patched + SAME_TAGS)
