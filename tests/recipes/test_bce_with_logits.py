from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import bce_with_logits as recipe

CHURN_CLASSIFIER = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
features = torch.randn(200, 5)
churned = (features[:, 0] - features[:, 1] > 0).float()
loader = DataLoader(TensorDataset(features, churned), batch_size=50, shuffle=True)


class ChurnNet(nn.Module):
    def __init__(self, n_in=5, hidden=16):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU())
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.body(x)).squeeze(1)


model = ChurnNet()
criterion = nn.BCELoss()
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(30):
    for xb, yb in loader:
        logits = model(xb)
        loss = criterion(logits, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
'''

# The loss is BCE on sigmoid(logits), and the classifier learns the labels.
SAME_LOSS_AND_LEARNS = '''
with torch.no_grad():
    assert torch.allclose(loss, nn.BCELoss()(torch.sigmoid(logits), yb), atol=1e-6)
    accuracy = ((model(features) > 0).float() == churned).float().mean().item()
assert accuracy > 0.9, accuracy
'''

WEIGHTED_FUNCTIONAL = '''\
import torch
import torch.nn.functional as F

torch.manual_seed(0)
scorer = torch.nn.Linear(3, 1)
x = torch.randn(8, 3)
y = torch.randint(0, 2, (8,)).float()
weights = torch.linspace(0.5, 1.5, 8)
scores = scorer(x)
loss = F.binary_cross_entropy(scores.squeeze(1), y, weight=weights)
loss.backward()
'''

SIGMOID_MODEL = '''\
import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
criterion = nn.BCELoss()
loss = criterion(model(x), y)
'''


def test_a_logits_model_trains_with_the_logits_loss(sandbox):
    patched = patch(recipe, CHURN_CLASSIFIER, sandbox.facts(CHURN_CLASSIFIER, "RuntimeError"))
    assert "criterion = nn.BCEWithLogitsLoss()\n" in patched
    sandbox.assert_clean(patched + SAME_LOSS_AND_LEARNS)


def test_the_functional_loss_keeps_its_weights(sandbox):
    patched = patch(recipe, WEIGHTED_FUNCTIONAL, sandbox.facts(WEIGHTED_FUNCTIONAL, "RuntimeError"))
    assert "loss = F.binary_cross_entropy_with_logits(scores.squeeze(1), y, weight=weights)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_model_ends_in_a_sigmoid():
    facts = Facts("RuntimeError", "all elements of input should be between 0 and 1", line=4, lines=(4,))
    assert not applies(recipe, SIGMOID_MODEL, facts)


def test_no_match_when_the_targets_are_out_of_range():
    code = "import torch.nn as nn\ncriterion = nn.BCELoss()\nloss = criterion(model(x), masks)\n"
    facts = Facts("RuntimeError", "all elements of target should be between 0 and 1", line=3, lines=(3,))
    assert not applies(recipe, code, facts)
