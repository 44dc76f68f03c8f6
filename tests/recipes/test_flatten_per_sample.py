from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import flatten_per_sample as recipe

GUESSED_FEATURES = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
FEATURES = 16 * 4 * 4                           # guessed for a smaller input


class SmallCNN(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(FEATURES, classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = x.view(-1, FEATURES)
        return self.fc(x)


data = TensorDataset(torch.randn(32, 1, 16, 16), torch.randint(0, 10, (32,)))
model = SmallCNN()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for images, labels in DataLoader(data, batch_size=8):
    logits = model(images)
    loss = nn.functional.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# One row of logits per image: the batch axis survived.
PER_IMAGE = '''
assert logits.shape == (8, 10) and model.fc.in_features == 16 * 8 * 8
'''


def test_flattens_per_sample_and_sizes_the_classifier(sandbox):
    patched = patch(recipe, GUESSED_FEATURES, sandbox.facts(GUESSED_FEATURES, "ValueError"))
    assert "        x = x.flatten(1)\n" in patched
    assert "        self.fc = nn.Linear(1024, classes)\n" in patched
    sandbox.assert_clean(patched + PER_IMAGE)


def test_no_match_when_no_linear_takes_the_folded_width():
    code = "import torch.nn as nn\nfc = nn.Linear(100, 2)\nh = x.view(-1, 64)\n"
    facts = Facts("ValueError", "Expected input batch_size (32) to match target batch_size (8).")
    assert not applies(recipe, code, facts)
    assert applies(recipe, code.replace("100", "64"), facts)
