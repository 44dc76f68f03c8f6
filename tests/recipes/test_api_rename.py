from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import api_rename as recipe

OLD_SEEDING = '''\
import random
import torch


def seed_everything(seed):
    random.seed(seed)
    torch.manual_seed(seed)
    torch.set_deterministic(True)


seed_everything(0)
print(torch.randn(2, 2).sum())
'''

OLD_AUTOCAST = '''\
import torch
import torch.nn as nn

model = nn.Linear(8, 4)
x = torch.randn(2, 8)
with torch.cpu.amp.autocast(dtype=torch.bfloat16):
    y = model(x)
print(y.dtype)
'''


def test_removed_name_is_rewritten_to_its_replacement_and_runs(sandbox):
    patched = patch(recipe, OLD_SEEDING, sandbox.facts(OLD_SEEDING, "AttributeError"))
    assert "    torch.use_deterministic_algorithms(True)\n" in patched and "set_deterministic" not in patched
    sandbox.assert_clean(patched)


def test_deprecated_autocast_gets_the_device_argument_and_stops_warning(sandbox):
    patched = patch(recipe, OLD_AUTOCAST, sandbox.warning_facts(OLD_AUTOCAST, "FutureWarning"))
    assert "with torch.amp.autocast('cpu', dtype=torch.bfloat16):" in patched
    sandbox.assert_clean(patched, without_warning="is deprecated")


def test_rewrite_is_spelled_with_the_scripts_own_alias():
    facts = Facts("AttributeError", "module 'torch' has no attribute 'set_deterministic'")
    code = "import torch as T\nT.set_deterministic(mode=True)\nflag = T.set_deterministic\n"
    assert patch(recipe, code, facts) == ("import torch as T\nT.use_deterministic_algorithms(mode=True)\n"
                                          "flag = T.use_deterministic_algorithms\n")


def test_apis_whose_replacement_takes_other_arguments_are_not_rewritten():
    facts = Facts("RuntimeError", "This function was deprecated since version 1.9 and is now removed. "
                                  "`torch.solve` is deprecated in favor of `torch.linalg.solve`.")
    assert not applies(recipe, "import torch\nx, _ = torch.solve(b, a)\n", facts)


def test_an_attribute_of_another_object_with_the_same_name_is_left_alone():
    facts = Facts("AttributeError", "module 'torch' has no attribute 'set_deterministic'")
    assert not applies(recipe, "import torch\nconfig.set_deterministic(True)\n", facts)
