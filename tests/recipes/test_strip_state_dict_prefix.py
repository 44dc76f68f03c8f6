from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import strip_state_dict_prefix as recipe

DDP_CHECKPOINT = '''\
import io
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

saved = io.BytesIO()
torch.save({"state_dict": nn.DataParallel(Net()).state_dict(), "epoch": 9}, saved)
saved.seek(0)

checkpoint = torch.load(saved)
net = Net()
net.load_state_dict(checkpoint["state_dict"], strict=True)
print("epoch", checkpoint["epoch"])
'''


def test_strips_module_prefix_while_loading(sandbox):
    patched = patch(recipe, DDP_CHECKPOINT, sandbox.facts(DDP_CHECKPOINT, "RuntimeError"))
    assert ('net.load_state_dict({k.removeprefix("module."): v for k, v in checkpoint["state_dict"].items()}, '
            'strict=True)') in patched
    sandbox.assert_clean(patched)


def test_compiled_and_parallel_prefixes_are_both_stripped():
    message = ('Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc.weight". \n\t'
               'Unexpected key(s) in state_dict: "module._orig_mod.fc.weight". ')
    facts = Facts("RuntimeError", message)
    code = "net.load_state_dict(torch.load(path))\n"
    assert applies(recipe, code, facts)
    assert patch(recipe, code, facts) == ('net.load_state_dict({k.removeprefix("module.").removeprefix("_orig_mod."): v '
                                         'for k, v in torch.load(path).items()})\n')


def test_other_key_mismatches_do_not_match():
    message = ('Error(s) in loading state_dict for Net:\n\tUnexpected key(s) in state_dict: "fc2.weight". ')
    assert not applies(recipe, ("net.load_state_dict(sd)\n"), Facts("RuntimeError", message))
