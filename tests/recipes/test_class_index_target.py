from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import class_index_target as recipe

ONE_HOT_LOADER = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
x = torch.randn(64, 8)
classes = torch.randint(0, 4, (64,))
loader = DataLoader(TensorDataset(x, F.one_hot(classes, num_classes=4)), batch_size=16)

model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for xb, yb in loader:
    logits = model(xb)
    loss = criterion(logits, yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

# The loss is the one on the original class indices of the last batch.
SAME_TARGETS = '''
assert torch.allclose(loss, F.cross_entropy(logits, classes[-16:]))
'''

LABEL_COLUMN = '''\
import torch
import torch.nn as nn

rows = torch.tensor([[0.2, 0.1, 2.0], [0.9, 0.4, 0.0], [0.5, 0.7, 1.0], [0.3, 0.3, 2.0]])
features, labels = rows[:, :2], rows[:, 2:]          # labels keep their column: [4, 1]

model = nn.Linear(2, 3)
loss = nn.functional.cross_entropy(model(features), labels)
loss.backward()
assert torch.allclose(loss, nn.functional.cross_entropy(model(features), torch.tensor([2, 0, 1, 2])))
'''

SEQUENCE_ONE_HOT = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

tags = torch.randint(0, 5, (8, 20))
onehot = F.one_hot(tags, 5).float()                  # [8, 20, 5]


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(16, 32, batch_first=True)
        self.out = nn.Linear(32, 5)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h).transpose(1, 2)            # [N, C, T] as cross_entropy wants


logits = Tagger()(torch.randn(8, 20, 16))
loss = F.cross_entropy(logits, onehot.long())
assert torch.allclose(loss, F.cross_entropy(logits, tags))
'''

MASK_WITH_CHANNEL = '''\
import torch
import torch.nn as nn

images = torch.randn(2, 3, 16, 16)
masks = torch.randint(0, 4, (2, 1, 16, 16)).float()  # as read from single-channel PNGs
net = nn.Conv2d(3, 4, 3, padding=1)
loss = nn.CrossEntropyLoss(ignore_index=255)(net(images), target=masks)
assert torch.allclose(loss, nn.functional.cross_entropy(net(images), masks[:, 0].long()))
'''


def test_one_hot_batches_become_class_indices(sandbox):
    patched = patch(recipe, ONE_HOT_LOADER, sandbox.facts(ONE_HOT_LOADER, "RuntimeError"))
    assert "    loss = criterion(logits, yb.argmax(dim=1))\n" in patched
    sandbox.assert_clean(patched + SAME_TARGETS)


def test_a_label_column_is_flattened(sandbox):
    patched = patch(recipe, LABEL_COLUMN, sandbox.facts(LABEL_COLUMN, "RuntimeError"))
    assert "loss = nn.functional.cross_entropy(model(features), labels.view(-1).long())" in patched
    sandbox.assert_clean(patched)


def test_a_one_hot_sequence_target_takes_its_last_axis(sandbox):
    patched = patch(recipe, SEQUENCE_ONE_HOT, sandbox.facts(SEQUENCE_ONE_HOT, "RuntimeError"))
    assert "loss = F.cross_entropy(logits, onehot.long().argmax(dim=-1))" in patched
    sandbox.assert_clean(patched)


def test_a_mask_loses_its_channel_axis(sandbox):
    patched = patch(recipe, MASK_WITH_CHANNEL, sandbox.facts(MASK_WITH_CHANNEL, "RuntimeError"))
    assert "loss = nn.CrossEntropyLoss(ignore_index=255)(net(images), target=masks.squeeze(1).long())" in patched
    sandbox.assert_clean(patched)


def test_nll_loss_with_a_one_hot_target_takes_argmax():
    code = ("import torch.nn.functional as F\ny1 = F.one_hot(y, 3)\nloss = F.nll_loss(logp, y1)\n")
    facts = Facts("RuntimeError", "0D or 1D target tensor expected, multi-target not supported", line=3, lines=(3,))
    assert applies(recipe, code, facts)
    assert patch(recipe, code, facts).endswith("loss = F.nll_loss(logp, y1.argmax(dim=1))\n")


def test_no_match_without_a_classification_loss():
    facts = Facts("RuntimeError", "0D or 1D target tensor expected, multi-target not supported")
    assert not applies(recipe, "import torch\nloss = torch.nn.functional.mse_loss(a, b)\n", facts)
