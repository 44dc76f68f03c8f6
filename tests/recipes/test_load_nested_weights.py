from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import load_nested_weights as recipe

RESUME = '''\
import argparse
import io

import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(8, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 2)

    def forward(self, x):
        return self.head(self.encoder(x))


def train_one_epoch(model, optimizer, batches):
    for x, y in batches:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def resume(path, args):
    model = Classifier(args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint)
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return model, optimizer, checkpoint["epoch"] + 1


parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=16)
parser.add_argument("--lr", type=float, default=1e-3)
args = parser.parse_args([])

torch.manual_seed(0)
trained = Classifier(args.hidden)
optimizer = torch.optim.Adam(trained.parameters(), lr=args.lr)
batches = [(torch.randn(4, 8), torch.randint(0, 2, (4,))) for _ in range(3)]
last_loss = train_one_epoch(trained, optimizer, batches)
saved = io.BytesIO()
torch.save({"epoch": 4, "model_state_dict": trained.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(), "loss": last_loss}, saved)
saved.seek(0)
restored, restored_optimizer, start_epoch = resume(saved, args)
'''

# The trained weights (not a fresh initialisation) and the optimizer state were restored.
RESTORED = '''
x = torch.randn(5, 8)
assert torch.equal(restored(x), trained(x)) and start_epoch == 5
assert restored_optimizer.state_dict()["state"][0]["step"] == 3
'''


def test_the_weights_are_taken_from_the_wrapper(sandbox):
    patched = patch(recipe, RESUME, sandbox.facts(RESUME, "RuntimeError"))
    assert '    model.load_state_dict(checkpoint["model_state_dict"])\n' in patched
    assert 'optimizer.load_state_dict(checkpoint["optimizer_state_dict"])' in patched
    sandbox.assert_clean(patched + RESTORED)


INLINE_LOAD = '''\
import io
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
buffer = io.BytesIO()
torch.save({"state_dict": net.state_dict(), "best_acc": 0.91, "epoch": 12}, buffer)
buffer.seek(0)

evaluator = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).eval()
evaluator.load_state_dict(torch.load(buffer, map_location="cpu"), strict=True)
'''


def test_an_inline_torch_load_is_indexed(sandbox):
    patched = patch(recipe, INLINE_LOAD, sandbox.facts(INLINE_LOAD, "RuntimeError"))
    assert 'evaluator.load_state_dict(torch.load(buffer, map_location="cpu")["state_dict"], strict=True)' in patched
    sandbox.assert_clean(patched + "x = torch.randn(2, 3)\nassert torch.equal(evaluator(x), net(x))\n")


def _wrapper_error(*keys: str) -> Facts:
    listed = ", ".join(f'"{key}"' for key in keys)
    return Facts("RuntimeError", 'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: '
                                 f'"fc.weight", "fc.bias". \n\tUnexpected key(s) in state_dict: {listed}. ')


def test_two_candidate_weight_keys_are_not_guessed_between():
    code = "net.load_state_dict(ckpt)\n"
    assert applies(recipe, code, _wrapper_error("epoch", "model_state_dict", "optimizer_state_dict"))
    assert not applies(recipe, code, _wrapper_error("epoch", "model", "state_dict"))


def test_a_wrapper_without_a_known_weights_key_is_left_alone():
    assert not applies(recipe, "net.load_state_dict(ckpt)\n", _wrapper_error("epoch", "ema", "optimizer"))
