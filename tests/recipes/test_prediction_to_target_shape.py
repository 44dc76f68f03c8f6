from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import prediction_to_target_shape as recipe

REGRESSION = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(64, 3)
y = x @ torch.tensor([1.5, -2.0, 0.5]) + 0.3        # targets: [64]


class Regressor(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.body(x)                          # [N, 1]


model = Regressor()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(200):
    pred = model(x)
    loss = F.mse_loss(pred, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# With the pairs matched again the model fits the data (broadcast, it can only predict the mean).
FITS = '''
assert loss.item() < 0.1 * y.var().item(), (loss.item(), y.var().item())
'''

# A second, already shaped loss call is not the one that warned.
CHECKED_AFTER = '''
true_mse = F.mse_loss(model(x).squeeze(1), y).item()
'''

BCE_CONFIG = '''\
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.5)
parser.add_argument("--steps", type=int, default=50)
args = parser.parse_args([])

torch.manual_seed(0)
x = torch.randn(32, 6)
labels = (x[:, 0] > 0).float()                      # [32]
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
criterion = nn.BCEWithLogitsLoss()
opt = torch.optim.SGD(model.parameters(), lr=args.lr)
for step in range(args.steps):
    logits = model(x)
    loss = criterion(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
accuracy = ((logits.squeeze(1) > 0).float() == labels).float().mean().item()
assert accuracy > 0.8, accuracy
'''


def test_regression_prediction_is_squeezed_to_the_targets(sandbox):
    broken = REGRESSION + CHECKED_AFTER
    patched = patch(recipe, broken, sandbox.warning_facts(broken, "UserWarning"))
    assert "    loss = F.mse_loss(pred.squeeze(1), y)\n" in patched
    assert "true_mse = F.mse_loss(model(x).squeeze(1), y).item()" in patched
    sandbox.assert_clean(patched + FITS, without_warning="Using a target size")


def test_binary_logits_lose_their_unit_axis(sandbox):
    patched = patch(recipe, BCE_CONFIG, sandbox.facts(BCE_CONFIG, "ValueError"))
    assert "    loss = criterion(logits.squeeze(1), labels)\n" in patched
    sandbox.assert_clean(patched)


def test_a_column_target_gets_a_column_prediction():
    message = ("Using a target size (torch.Size([8, 1])) that is different to the input size (torch.Size([8])). "
               "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.")
    code = "import torch.nn as nn\nloss_fn = nn.L1Loss()\nloss = loss_fn(model(x).sum(1), y)\n"
    assert patch(recipe, code, Facts("UserWarning", message)).endswith("loss = loss_fn(model(x).sum(1).unsqueeze(1), y)\n")


def test_no_match_when_the_warning_could_be_any_of_two_losses():
    message = ("Using a target size (torch.Size([8])) that is different to the input size (torch.Size([8, 1])). "
               "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.")
    code = "import torch.nn.functional as F\nloss = F.mse_loss(a, y) + F.l1_loss(b, y)\n"
    assert not applies(recipe, code, Facts("UserWarning", message))
