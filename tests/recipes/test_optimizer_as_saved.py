from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import optimizer_as_saved as recipe

RESUME = '''\
import io

import torch
import torch.nn as nn
from torch.optim import AdamW


def build_model():
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))


def train_steps(model, optimizer, steps):
    for _ in range(steps):
        x, y = torch.randn(16, 10), torch.randint(0, 3, (16,))
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


torch.manual_seed(0)
model = build_model()
optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
train_steps(model, optimizer, 3)
buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, buffer)

# resume with the first layer frozen
buffer.seek(0)
checkpoint = torch.load(buffer)
model = build_model()
model.load_state_dict(checkpoint["model"])
model[0].requires_grad_(False)
optimizer = AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3, weight_decay=0.0)
optimizer.load_state_dict(checkpoint["optimizer"])
frozen = model[0].weight.clone()
train_steps(model, optimizer, 2)
'''

# The saved moments were restored (step counts continue from 3), and the frozen layer stays frozen.
RESUMED = '''
assert optimizer.state_dict()["state"][2]["step"] == 5
assert torch.equal(model[0].weight, frozen)
'''


def test_the_optimizer_is_built_over_the_parameters_it_was_saved_with(sandbox):
    patched = patch(recipe, RESUME, sandbox.facts(RESUME, "ValueError"))
    assert "optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)\noptimizer.load_state_dict(" in patched
    assert patched.count("optimizer = AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)") == 2
    sandbox.assert_clean(patched + RESUMED)


def test_without_the_saved_optimizer_in_the_script_nothing_is_guessed():
    facts = Facts("ValueError", "loaded state dict contains a parameter group that doesn't match the size of "
                                "optimizer's group", line=2, lines=(2,))
    code = ("opt = torch.optim.SGD(head.parameters(), lr=0.1)\nopt.load_state_dict(torch.load('ckpt.pt')['opt'])\n")
    assert not applies(recipe, code, facts)
    saved_elsewhere = "old = torch.optim.SGD(model.parameters(), lr=0.1)\nsd = old.state_dict()\n" + code
    facts_below = Facts(facts.error_type, facts.message, line=4, lines=(4,))
    assert patch(recipe, saved_elsewhere, facts_below).endswith(
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\nopt.load_state_dict(torch.load('ckpt.pt')['opt'])\n")


SAVED_BY_A_HELPER = '''\
import argparse
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F


def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"epoch": epoch, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict()}, path)


def run_epoch(model, optimizer, data):
    for inputs, targets in data:
        optimizer.zero_grad()
        F.binary_cross_entropy_with_logits(model(inputs).squeeze(1), targets).backward()
        optimizer.step()


parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
args = parser.parse_args([])
torch.manual_seed(0)
data = [(torch.randn(8, 6), torch.randint(0, 2, (8,)).float()) for _ in range(4)]
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.RMSprop(model.parameters(), lr=args.lr)
run_epoch(model, opt, data)
ckpt_file = os.path.join(tempfile.mkdtemp(), "ckpt.pth")
save_checkpoint(ckpt_file, model, opt, 1)

ckpt = torch.load(ckpt_file)
model.load_state_dict(ckpt["model_state_dict"])
model[0].requires_grad_(False)
opt = torch.optim.RMSprop([p for p in model.parameters() if p.requires_grad], lr=args.lr)
opt.load_state_dict(ckpt["optimizer_state_dict"])
frozen = model[0].weight.clone()
run_epoch(model, opt, data)
'''


def test_an_optimizer_saved_by_a_helper_is_followed_to_where_the_caller_built_it(sandbox):
    patched = patch(recipe, SAVED_BY_A_HELPER, sandbox.facts(SAVED_BY_A_HELPER, "ValueError"))
    assert "opt = torch.optim.RMSprop(model.parameters(), lr=args.lr)\nopt.load_state_dict(" in patched
    # the saved square averages came back (4 steps, then 4 more) and the frozen layer stayed put
    sandbox.assert_clean(patched + 'assert opt.state_dict()["state"][2]["step"] == 8\n'
                         "assert torch.equal(model[0].weight, frozen)\n")


BUILT_BY_A_FACTORY = '''\
import torch
import torch.nn as nn


class Seq2Vec(nn.Module):
    def __init__(self, vocab=50, dim=16):
        super().__init__()
        self.encoder = nn.Embedding(vocab, dim)
        self.out = nn.Linear(dim, 1)

    def forward(self, tokens):
        return self.out(self.encoder(tokens).mean(1)).squeeze(-1)


def make_optimizer(net, lr, betas=(0.9, 0.98)):
    return torch.optim.AdamW(net.parameters(), lr=lr, betas=betas)


def train(model, opt, steps=3):
    for _ in range(steps):
        tokens, y = torch.randint(0, 50, (4, 7)), torch.randn(4)
        opt.zero_grad()
        ((model(tokens) - y) ** 2).mean().backward()
        opt.step()


torch.manual_seed(0)
model = Seq2Vec()
opt = make_optimizer(model, 1e-3)
train(model, opt)
resume = {"model": model.state_dict(), "optimizer": opt.state_dict()}  # kept in memory between the cells

model = Seq2Vec()
model.load_state_dict(resume["model"])
model.encoder.weight.requires_grad = False
opt = torch.optim.AdamW([p for n, p in model.named_parameters() if not n.startswith("encoder")],
                        lr=1e-3, betas=(0.9, 0.98))
opt.load_state_dict(resume["optimizer"])
frozen = model.encoder.weight.clone()
train(model, opt)
'''


def test_a_factory_built_optimizer_gives_its_parameters_in_the_callers_names(sandbox):
    patched = patch(recipe, BUILT_BY_A_FACTORY, sandbox.facts(BUILT_BY_A_FACTORY, "ValueError"))
    assert "opt = torch.optim.AdamW(model.parameters(),\n                        lr=1e-3, betas=(0.9, 0.98))\n" in patched
    sandbox.assert_clean(patched + 'assert opt.state_dict()["state"][1]["step"] == 6\n'
                         "assert torch.equal(model.encoder.weight, frozen)\n"
                         "assert all(p is q for p, q in zip(opt.param_groups[0]['params'], model.parameters()))\n")


def test_the_saved_optimizer_of_another_model_is_not_taken(sandbox):
    code = '''\
import io

import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, buffer)
buffer.seek(0)
ckpt = torch.load(buffer)
new_model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3), nn.ReLU(), nn.Linear(3, 7))
new_model.load_state_dict(ckpt["model"], strict=False)
optimizer = torch.optim.Adam(new_model.parameters(), lr=1e-3)
optimizer.load_state_dict(ckpt["optimizer"])
'''
    # model.parameters() would load, and then train the old model instead of new_model
    assert patch(recipe, code, sandbox.facts(code, "ValueError")) is None


CHANGED_SETTINGS = '''\
import io

import torch
import torch.nn as nn

torch.manual_seed(0)
SETTINGS = {"lr": 0.05, "head_prefixes": ("head",), "backbone_lr_scale": 0.1}


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 12), nn.Tanh())
        self.neck = nn.Linear(12, 12)
        self.head = nn.Linear(12, 1)

    def forward(self, x):
        return self.head(self.neck(self.body(x)))


def make_optimizer(net, settings):
    is_head = {name: name.startswith(settings["head_prefixes"]) for name, _ in net.named_parameters()}
    groups = [{"params": [p for n, p in net.named_parameters() if not is_head[n]],
               "lr": settings["lr"] * settings["backbone_lr_scale"]},
              {"params": [p for n, p in net.named_parameters() if is_head[n]]}]
    return torch.optim.SGD(groups, lr=settings["lr"], momentum=0.9)


def epoch(net, optimizer, x, y):
    loss = nn.functional.mse_loss(net(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


x, y = torch.randn(20, 5), torch.randn(20, 1)
settings = dict(SETTINGS)
net = Regressor()
optimizer = make_optimizer(net, settings)
epoch(net, optimizer, x, y)
store = io.BytesIO()
torch.save({"net": net.state_dict(), "optimizer": optimizer.state_dict(), "settings": settings}, store)

# resumed by a newer version of the script, which also counts the neck as head
settings = {**SETTINGS, "head_prefixes": ("neck", "head")}
store.seek(0)
checkpoint = torch.load(store)
net = Regressor()
net.load_state_dict(checkpoint["net"])
optimizer = make_optimizer(net, settings)
optimizer.load_state_dict(checkpoint["optimizer"])
losses = [epoch(net, optimizer, x, y) for _ in range(3)]
'''

# The resumed optimizer has the saved groups (4 body+neck tensors, 2 head tensors) with their
# momentum buffers, so the step continues the first run's.
SAVED_GROUPS = '''
assert [len(g["params"]) for g in optimizer.param_groups] == [4, 2]
assert [g["lr"] for g in optimizer.param_groups] == [0.05 * 0.1, 0.05]
assert all("momentum_buffer" in optimizer.state[p] for g in optimizer.param_groups for p in g["params"])
'''


def test_the_factory_is_called_with_the_config_the_checkpoint_saved(sandbox):
    patched = patch(recipe, CHANGED_SETTINGS, sandbox.facts(CHANGED_SETTINGS, "ValueError"))
    assert 'optimizer = make_optimizer(net, checkpoint["settings"])\noptimizer.load_state_dict' in patched
    sandbox.assert_clean(patched + SAVED_GROUPS)
