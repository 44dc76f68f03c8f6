from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import reuse_matching_weights as recipe

NEW_HEAD = '''\
import argparse
import io
import torch
from torch import nn


class KeywordSpotter(nn.Module):
    def __init__(self, n_words):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv1d(1, 6, 5, stride=2), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten())
        self.words = nn.Linear(6, n_words)

    def forward(self, wave):
        return self.words(self.encoder(wave))


def fine_tune(saved, n_words, steps):
    model = KeywordSpotter(n_words)
    result = model.load_state_dict(torch.load(saved)["weights"], strict=False)
    opt = torch.optim.Adam(model.words.parameters(), lr=1e-2)
    for _ in range(steps):
        wave, word = torch.randn(16, 1, 80), torch.randint(0, n_words, (16,))
        loss = nn.functional.cross_entropy(model(wave), word)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, result


parser = argparse.ArgumentParser()
parser.add_argument("--words", type=int, default=3)
args = parser.parse_args([])
torch.manual_seed(0)
pretrained = KeywordSpotter(35)
saved = io.BytesIO()
torch.save({"weights": pretrained.state_dict(), "epoch": 40}, saved)
saved.seek(0)
model, result = fine_tune(saved, args.words, steps=4)
'''


def _assert_patched_load(sandbox, source: str, load: str, checks: str) -> None:
    """The recipe writes this load, and the patched program runs and passes the checks."""
    patched = patch(recipe, source, sandbox.facts(source, "RuntimeError"))
    assert load in patched
    sandbox.assert_clean(patched + checks)


def test_the_new_head_starts_fresh_and_the_encoder_loads(sandbox):
    _assert_patched_load(
        sandbox, NEW_HEAD,
        'model.load_state_dict({k: v for k, v in torch.load(saved)["weights"].items() '
        'if k not in ("words.weight", "words.bias",)}, strict=False)',
        'assert set(result.missing_keys) == {"words.weight", "words.bias"} and not result.unexpected_keys\n'
        "assert torch.equal(model.encoder[0].weight, pretrained.encoder[0].weight)\n"
        "assert model(torch.randn(2, 1, 80)).shape == (2, args.words)\n")


GROWN_VOCAB = '''\
import os
import tempfile
import torch
import torch.nn as nn


class CharLM(nn.Module):
    def __init__(self, n_chars, width=12):
        super().__init__()
        self.chars = nn.Embedding(n_chars, width)
        self.rnn = nn.GRU(width, width, batch_first=True)
        self.out = nn.Linear(width, 5)

    def forward(self, ids):
        return self.out(self.rnn(self.chars(ids))[0])


torch.manual_seed(0)
folder = tempfile.mkdtemp()
first = CharLM(50)
torch.save(first.state_dict(), os.path.join(folder, "lm.pt"))

resumed = CharLM(64)   # emoji were added to the alphabet
weights = torch.load(os.path.join(folder, "lm.pt"))
resumed.load_state_dict(weights)
fresh_rows = resumed.chars.weight[50:].detach().clone()
optimizer = torch.optim.SGD(resumed.parameters(), lr=0.1)
ids, tags = torch.randint(0, 64, (4, 9)), torch.randint(0, 5, (4, 9))
loss = nn.functional.cross_entropy(resumed(ids).flatten(0, 1), tags.flatten())
'''


def test_a_grown_table_keeps_its_saved_rows(sandbox):
    _assert_patched_load(
        sandbox, GROWN_VOCAB,
        'resumed.load_state_dict({**weights, "chars.weight": torch.cat([weights["chars.weight"], '
        'resumed.get_parameter("chars.weight").detach()[weights["chars.weight"].shape[0]:]])})',
        "assert torch.equal(resumed.chars.weight[:50], first.chars.weight)\n"
        "assert torch.equal(resumed.chars.weight[50:], fresh_rows) and resumed.chars.weight.shape == (64, 12)\n"
        "assert torch.equal(resumed.rnn.weight_hh_l0, first.rnn.weight_hh_l0)\n")


def _mismatch(key: str, saved: str, built: str) -> Facts:
    return Facts("RuntimeError", f"Error(s) in loading state_dict for Net:\n\tsize mismatch for {key}: copying a param "
                                 f"with shape torch.Size([{saved}]) from checkpoint, the shape in current model is "
                                 f"torch.Size([{built}]).")


HEAD = _mismatch("fc.weight", "10, 64", "3, 64")
TRAINING = "opt = torch.optim.SGD(net.parameters(), lr=0.1)\nloss.backward()\n"


def test_a_strict_load_or_a_load_for_evaluation_is_left_to_the_user():
    assert not applies(recipe, "net.load_state_dict(sd)\n" + TRAINING, HEAD)
    assert not applies(recipe, "net.load_state_dict(sd, strict=False)\nprint(net(x))\n", HEAD)
    assert applies(recipe, "net.load_state_dict(sd, strict=False)\n" + TRAINING, HEAD)


def test_an_embedding_of_another_width_or_a_smaller_table_is_not_patched():
    code = "import torch\nclass Net(nn.Module):\n    def __init__(self):\n        self.tok = nn.Embedding(90, 8)\n"
    load = "net.load_state_dict(sd, strict=False)\n" + TRAINING
    assert not applies(recipe, code + load, _mismatch("tok.weight", "90, 16", "90, 8"))
    assert not applies(recipe, code + load, _mismatch("tok.weight", "120, 8", "90, 8"))
    assert applies(recipe, code + load, _mismatch("tok.weight", "60, 8", "90, 8"))


def test_a_grown_table_loaded_straight_from_the_file_is_not_read_twice():
    code = "import torch\nclass Net(nn.Module):\n    def __init__(self):\n        self.tok = nn.Embedding(90, 8)\n"
    grown = _mismatch("tok.weight", "60, 8", "90, 8")
    assert not applies(recipe, code + "net.load_state_dict(torch.load(path))\n" + TRAINING, grown)


def test_a_model_handed_to_the_scripts_training_function_is_fine_tuned():
    fit = "def fit(model, steps):\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    loss.backward()\n\n\n"
    load = "net.load_state_dict(sd, strict=False)\n"
    assert applies(recipe, fit + load + "fit(net, 3)\n", HEAD)
    assert not applies(recipe, fit + load + "fit(other, 3)\nprint(net(x))\n", HEAD)
