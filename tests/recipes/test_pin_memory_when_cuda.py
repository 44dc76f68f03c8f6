from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import pin_memory_when_cuda as recipe

NOT_PINNED = "device pinned memory won't be used"

SHARED_SETTINGS = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

LOADER_SETTINGS = {"batch_size": 16, "num_workers": 0, "pin_memory": True}


def make_loaders():
    torch.manual_seed(0)
    x = torch.randn(96, 6)
    y = (x.sum(1, keepdim=True) > 0).float()
    train = TensorDataset(x[:64], y[:64])
    val = TensorDataset(x[64:], y[64:])
    return (DataLoader(train, shuffle=True, **LOADER_SETTINGS),
            DataLoader(val, shuffle=False, **LOADER_SETTINGS))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
train_loader, val_loader = make_loaders()
model = nn.Linear(6, 1).to(device)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(3):
    for x, y in train_loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
seen = sum(len(y) for _, y in val_loader)
'''

# Both loaders still see every sample; they pin exactly when a GPU receives the batches.
SAME_DATA = '''
assert seen == 32 and len(train_loader) == 4
assert train_loader.pin_memory == val_loader.pin_memory == torch.cuda.is_available()
'''


def test_the_shared_loader_settings_pin_only_with_cuda(sandbox):
    patched = patch(recipe, SHARED_SETTINGS, sandbox.warning_facts(SHARED_SETTINGS, "UserWarning"))
    assert ('LOADER_SETTINGS = {"batch_size": 16, "num_workers": 0, "pin_memory": torch.cuda.is_available()}\n'
            in patched)
    sandbox.assert_clean(patched + SAME_DATA, without_warning=NOT_PINNED)


ARGPARSE_TRAINER = '''\
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="train a small regressor")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--pin-memory", action="store_true", default=True)
    return parser.parse_args(argv)


def train(args):
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(128, 10), torch.randn(128, 1))
    loader = DataLoader(data, batch_size=args.batch_size, shuffle=True, pin_memory=args.pin_memory)
    model = nn.Linear(10, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return loader, losses


loader, losses = train(parse_args([]))
'''


def test_a_command_line_default_pins_only_with_cuda(sandbox):
    patched = patch(recipe, ARGPARSE_TRAINER, sandbox.warning_facts(ARGPARSE_TRAINER, "UserWarning"))
    assert 'parser.add_argument("--pin-memory", action="store_true", default=torch.cuda.is_available())' in patched
    check = "assert len(losses) == 4 and loader.pin_memory == torch.cuda.is_available()\n"
    sandbox.assert_clean(patched + check, without_warning=NOT_PINNED)


def test_a_setting_already_chosen_from_the_device_is_left_alone():
    facts = Facts("UserWarning", "'pin_memory' argument is set as true but no accelerator is found, then device "
                                 "pinned memory won't be used.")
    code = ("import torch\nfrom torch.utils.data import DataLoader\n"
            "loader = DataLoader(data, pin_memory=device.type == 'cuda')\n")
    assert not applies(recipe, code, facts)
    assert not applies(recipe, code.replace("device.type == 'cuda'", "False"), facts)
    assert applies(recipe, code.replace("device.type == 'cuda'", "True"), facts)
    without_torch = "from torch.utils.data import DataLoader\nloader = DataLoader(data, pin_memory=True)\n"
    assert patch(recipe, without_torch, facts) == ("from torch.utils.data import DataLoader\nimport torch\n"
                                                   "loader = DataLoader(data, pin_memory=torch.cuda.is_available())\n")
    constant = code.replace("device.type == 'cuda'", "PIN_MEMORY").replace("loader =", "PIN_MEMORY = True\nloader =")
    assert "PIN_MEMORY = torch.cuda.is_available()\nloader = DataLoader(data, pin_memory=PIN_MEMORY)\n" in patch(
        recipe, constant, facts)
