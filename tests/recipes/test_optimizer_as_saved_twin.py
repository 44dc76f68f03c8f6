"""optimizer-as-saved where the resumed model is a second instance of the saved one.

The situation: the optimizer whose state was saved covered all of `model`'s parameters; the script
resumes into a new instance built the same way (`ft_model = Net()`), loads the saved weights into
it, freezes part of it and builds the optimizer over only the trainable parameters, so the saved
parameter group has another size. The fix builds the loading optimizer over the saved parameters
read on the resumed model (`ft_model.parameters()`): frozen ones get no gradient and stay put.
Shapes:
- module level, the loading optimizer over `filter(lambda p: p.requires_grad, resumed.parameters())`;
- pretraining and resuming in two functions, the trainable list bound to a name first;
- the loading optimizer over a part of the resumed model (`new.head.parameters()`).
Left alone: a resumed model built with other sizes, and one that never loads the saved weights.
"""

from tests.recipes.kbfix import applies, facts_on_line, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import optimizer_as_saved as recipe

MODULE_LEVEL = '''\
import io
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.out = nn.Linear(dim, 3)

    def forward(self, ids):
        return self.out(self.embed(ids).mean(1))


torch.manual_seed(0)
ids, tags = torch.randint(0, 20, (12, 5)), torch.randint(0, 3, (12,))
net = Tagger(20, 8)
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
nn.functional.cross_entropy(net(ids), tags).backward()
opt.step()
blob = io.BytesIO()
torch.save({"weights": net.state_dict(), "opt": opt.state_dict()}, blob)
blob.seek(0)
ckpt = torch.load(blob)
resumed = Tagger(20, 8)
resumed.load_state_dict(ckpt["weights"])
resumed.embed.weight.requires_grad_(False)
opt2 = torch.optim.SGD(filter(lambda p: p.requires_grad, resumed.parameters()), lr=0.1, momentum=0.9)
opt2.load_state_dict(ckpt["opt"])
frozen = resumed.embed.weight.clone()
nn.functional.cross_entropy(resumed(ids), tags).backward()
opt2.step()
'''

TWO_FUNCTIONS = '''\
import io
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 6), nn.Tanh())
        self.head = nn.Linear(6, 1)

    def forward(self, x):
        return self.head(self.body(x))


def pretrain(x, y):
    model = Regressor()
    adam = torch.optim.Adam(model.parameters(), lr=1e-2)
    nn.functional.mse_loss(model(x), y).backward()
    adam.step()
    saved = io.BytesIO()
    torch.save({"model": model.state_dict(), "adam": adam.state_dict()}, saved)
    saved.seek(0)
    return saved


def resume(saved, x, y):
    state = torch.load(saved)
    tuned = Regressor()
    tuned.load_state_dict(state["model"])
    tuned.body.requires_grad_(False)
    trainable = [p for p in tuned.parameters() if p.requires_grad]
    adam = torch.optim.Adam(trainable, lr=1e-2)
    adam.load_state_dict(state["adam"])
    nn.functional.mse_loss(tuned(x), y).backward()
    adam.step()
    return tuned, adam


torch.manual_seed(0)
x, y = torch.randn(10, 3), torch.randn(10, 1)
tuned, adam = resume(pretrain(x, y), x, y)
'''

HEAD_ONLY = '''\
import io
import torch
from torch import nn

torch.manual_seed(0)


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.head = nn.Linear(4, 4), nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.body(x).relu())


old = Small()
optimizer = torch.optim.RMSprop(old.parameters(), lr=1e-3)
nn.functional.cross_entropy(old(torch.randn(6, 4)), torch.tensor([0, 1, 0, 1, 1, 0])).backward()
optimizer.step()
store = io.BytesIO()
torch.save([old.state_dict(), optimizer.state_dict()], store)
store.seek(0)
weights, opt_state = torch.load(store)
new = Small()
new.load_state_dict(weights)
new.body.requires_grad_(False)
optimizer = torch.optim.RMSprop(new.head.parameters(), lr=1e-3)
optimizer.load_state_dict(opt_state)
'''


def test_a_second_instance_at_module_level(sandbox):
    patched = patch(recipe, MODULE_LEVEL, sandbox.facts(MODULE_LEVEL, "ValueError"))
    assert "opt2 = torch.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)\n" in patched
    check = ("assert torch.equal(resumed.embed.weight, frozen)\n"
             "assert all(opt2.state[p]['momentum_buffer'] is not None for p in resumed.out.parameters())\n")
    sandbox.assert_clean(patched + check)


def test_pretraining_and_resuming_in_two_functions(sandbox):
    patched = patch(recipe, TWO_FUNCTIONS, sandbox.facts(TWO_FUNCTIONS, "ValueError"))
    assert "    adam = torch.optim.Adam(tuned.parameters(), lr=1e-2)\n" in patched
    sandbox.assert_clean(patched + "assert all(int(adam.state[p]['step']) == 2 for p in tuned.head.parameters())\n")


def test_the_loading_optimizer_over_a_part_of_the_resumed_model(sandbox):
    facts = sandbox.facts(HEAD_ONLY, "ValueError")
    patched = patch(recipe, HEAD_ONLY, facts)
    assert "optimizer = torch.optim.RMSprop(new.parameters(), lr=1e-3)\n" in patched
    sandbox.assert_clean(patched + "assert len(optimizer.state) == 4\n")


def _facts(source: str) -> Facts:
    return facts_on_line(source, "opt2.load_state_dict", "ValueError", "loaded state dict contains a parameter group that doesn't match the size of "
                 "optimizer's group")


def test_a_resumed_model_of_other_sizes_is_left_alone():
    source = MODULE_LEVEL.replace("resumed = Tagger(20, 8)", "resumed = Tagger(20, 16)").replace(
        'resumed.load_state_dict(ckpt["weights"])\n', "")
    assert not applies(recipe, source, _facts(source))


def test_a_resumed_model_that_never_loads_the_weights_is_left_alone():
    source = MODULE_LEVEL.replace('resumed.load_state_dict(ckpt["weights"])\n', "")
    assert not applies(recipe, source, _facts(source))
