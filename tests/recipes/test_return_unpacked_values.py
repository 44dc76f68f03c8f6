from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import return_unpacked_values as recipe

REGRESSOR = '''\
import argparse
import torch
import torch.nn as nn

torch.manual_seed(4)


class PriceRegressor(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(features, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x, target=None):
        prediction = self.body(x).squeeze(-1)
        if target is None:
            return prediction
        return nn.functional.smooth_l1_loss(prediction, target)


parser = argparse.ArgumentParser()
parser.add_argument("--features", type=int, default=5)
args = parser.parse_args([])
net = PriceRegressor(args.features).train()
opt = torch.optim.SGD(net.parameters(), lr=0.05)
x, y = torch.randn(32, args.features), torch.randn(32)
for epoch in range(3):
    loss, prediction = net(x, target=y)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The loss keeps its value and the prediction is the model's output on the batch.
SAME_LOSS = '''
with torch.no_grad():
    expected = net.body(x).squeeze(-1)
    again, pred = net(x, target=y)
assert pred.shape == (32,) and torch.allclose(pred, expected)
assert torch.allclose(again, nn.functional.smooth_l1_loss(expected, y))
'''


def test_the_loss_branch_also_returns_the_prediction(sandbox):
    patched = patch(recipe, REGRESSOR, sandbox.facts(REGRESSOR, "TypeError"))
    assert "        return nn.functional.smooth_l1_loss(prediction, target), prediction\n" in patched
    assert "            return prediction\n" in patched
    sandbox.assert_clean(patched + SAME_LOSS)


def test_the_order_of_the_caller_is_kept():
    code = ("import torch\n\ndef step(batch):\n    scores = batch * 2\n    return scores.mean()\n\n"
            "scores, loss = step(torch.ones(3))\n")
    facts = Facts("TypeError", "iteration over a 0-d tensor", line=7, lines=(7,))
    assert "    return scores, scores.mean()\n" in patch(recipe, code, facts)


def test_no_match_when_the_other_name_is_not_computed():
    code = ("import torch\n\ndef step(batch):\n    return batch.mean()\n\n"
            "loss, accuracy = step(torch.ones(3))\n")
    facts = Facts("TypeError", "iteration over a 0-d tensor", line=6, lines=(6,))
    assert not applies(recipe, code, facts)
