from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import drop_target_argument as recipe

LABELS_INTO_SEQUENTIAL = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(40, 6), torch.randint(0, 3, (40,)))
loader = DataLoader(data, batch_size=8, shuffle=True)
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def train_step(features, labels):
    logits = model(features, labels)
    loss = criterion(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


losses = [train_step(x, y) for x, y in loader]
assert len(losses) == 5
'''


def test_drops_the_labels_the_loss_is_computed_against(sandbox):
    patched = patch(recipe, LABELS_INTO_SEQUENTIAL, sandbox.facts(LABELS_INTO_SEQUENTIAL, "TypeError"))
    assert "    logits = model(features)\n    loss = criterion(logits, labels)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_the_extra_input_is_not_a_target():
    message = "forward() takes 2 positional arguments but 3 were given"
    source = ("import torch.nn as nn\nenc = nn.Sequential(nn.Linear(4, 4))\nout = enc(x, mask)\n"
              "loss = nn.functional.mse_loss(out, y)\n")
    assert not applies(recipe, source, Facts("TypeError", message, line=3, lines=(3,)))


DICT_BATCHES = '''\
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)


class Rows(Dataset):
    def __init__(self, n=64):
        self.x = torch.randn(n, 6)
        self.y = (self.x[:, 0] > 0).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"features": self.x[i], "label": self.y[i]}


model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(15):
    for batch in DataLoader(Rows(), batch_size=16):
        out = model(batch["features"], batch["label"])
        loss = criterion(out, batch["label"])
        opt.zero_grad()
        loss.backward()
        opt.step()
'''

# The model learns the sign of the first feature from the features alone.
LEARNS_FROM_FEATURES = '''
data = Rows()
assert (model(data.x).argmax(1) == data.y).float().mean() > 0.9
'''

CONVERTED_TARGET = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Regressor(nn.Module):
    def __init__(self, d_in, d_hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def train_step(net, optimizer, xb, yb):
    pred = net(xb, yb)
    loss = F.mse_loss(pred, yb.view(-1, 1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


net = Regressor(4)
optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
X = torch.randn(100, 4)
Y = X @ torch.tensor([1.0, -2.0, 0.5, 3.0])
losses = [train_step(net, optimizer, X, Y) for _ in range(100)]
'''


def test_a_target_taken_from_a_dict_batch_is_dropped(sandbox):
    patched = patch(recipe, DICT_BATCHES, sandbox.facts(DICT_BATCHES, "TypeError"))
    assert '        out = model(batch["features"])\n        loss = criterion(out, batch["label"])\n' in patched
    sandbox.assert_clean(patched + LEARNS_FROM_FEATURES)


def test_a_target_the_loss_reshapes_is_still_the_target(sandbox):
    patched = patch(recipe, CONVERTED_TARGET, sandbox.facts(CONVERTED_TARGET, "TypeError"))
    assert "    pred = net(xb)\n    loss = F.mse_loss(pred, yb.view(-1, 1))\n" in patched
    sandbox.assert_clean(patched + "\nassert losses[-1] < 0.1 * losses[0], losses[::20]\n")


TARGETS_THROUGH_HELPERS = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def compute_loss(logits, targets):
    return F.cross_entropy(logits, targets, label_smoothing=0.1)


def train_step(model, opt, tokens, y):
    out = model(tokens, y)
    loss = compute_loss(out, y)
    opt.zero_grad(); loss.backward(); opt.step()
    return loss.item()


@torch.no_grad()
def validate(model, batches, loss_fn):
    return [loss_fn(model(x, y), y).item() for x, y in batches]


clf = nn.Sequential(nn.EmbeddingBag(30, 8), nn.Linear(8, 3))
opt = torch.optim.SGD(clf.parameters(), lr=0.5)
tokens, labels = torch.randint(0, 30, (6, 5)), torch.tensor([0, 2, 1, 1, 0, 2])
losses = [train_step(clf, opt, tokens, labels) for _ in range(15)]
assert losses[-1] < losses[0]                       # it learns the labels it was given
assert validate(clf, [(tokens, labels)], nn.CrossEntropyLoss()) == [F.cross_entropy(clf(tokens), labels).item()]
'''


def test_a_target_handed_to_a_loss_helper_or_a_loss_parameter_is_dropped(sandbox):
    facts = sandbox.facts(TARGETS_THROUGH_HELPERS, "TypeError")
    patched = patch(recipe, TARGETS_THROUGH_HELPERS, facts)
    assert "    out = model(tokens)\n    loss = compute_loss(out, y)\n" in patched
    patched = patch(recipe, patched, sandbox.facts(patched, "TypeError"))  # kb fix --iterate's next round
    assert "    return [loss_fn(model(x), y).item() for x, y in batches]\n" in patched
    sandbox.assert_clean(patched)


USER_LOSS_CLASS = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class FocalLoss(nn.Module):
    def forward(self, logits, target):
        logp = logits.log_softmax(-1).gather(1, target[:, None]).squeeze(1)
        return (-(1 - logp.exp()) ** 2 * logp).mean()


net, crit = nn.Linear(5, 3), FocalLoss()
feats, labels = torch.randn(8, 5), torch.randint(0, 3, (8,))
out = net(feats, labels)
loss = crit(out, labels)
'''

FOCAL_MEANT = '''
logp = net(feats).log_softmax(-1)[torch.arange(8), labels]
assert torch.allclose(loss, (-(1 - logp.exp()) ** 2 * logp).mean())
'''

SQUARED_ERROR = '''\
import torch
from torch import nn

torch.manual_seed(0)
reg = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
X = torch.rand(32, 2)
Y = X.sum(dim=1, keepdim=True)
pred = reg(X, Y)
loss = ((pred - Y) ** 2).mean()
'''

TRAINING_STEP = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 2)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch):
        x, y = batch
        logits = self(x, y)
        return self.criterion(logits, y), (logits.argmax(1) == y).float().mean()


clf = Classifier()
batch = (torch.randn(6, 4), torch.tensor([0, 1, 1, 0, 1, 0]))
loss, acc = clf.training_step(batch)
'''

STEP_MEANT = '''
logits = clf.net(batch[0])
assert torch.allclose(loss, nn.functional.cross_entropy(logits, batch[1]))
assert acc == (logits.argmax(1) == batch[1]).float().mean()
'''


def test_a_users_loss_class_takes_the_labels(sandbox):
    patched = patch(recipe, USER_LOSS_CLASS, sandbox.facts(USER_LOSS_CLASS, "TypeError"))
    assert "out = net(feats)\n" in patched
    sandbox.assert_clean(patched + FOCAL_MEANT)


def test_the_values_a_hand_written_error_subtracts_are_targets(sandbox):
    patched = patch(recipe, SQUARED_ERROR, sandbox.facts(SQUARED_ERROR, "TypeError"))
    assert "pred = reg(X)\n" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(loss, ((reg(X) - Y) ** 2).mean())\n")


def test_a_training_step_calling_self_with_the_labels(sandbox):
    patched = patch(recipe, TRAINING_STEP, sandbox.facts(TRAINING_STEP, "TypeError"))
    assert "        logits = self(x)\n" in patched
    sandbox.assert_clean(patched + STEP_MEANT)


def test_a_mask_applied_to_the_output_is_not_a_target():
    message = "forward() takes 2 positional arguments but 3 were given"
    source = ("import torch.nn as nn\nenc = nn.Sequential(nn.Linear(4, 4))\nout = enc(x, mask)\n"
              "loss = criterion(out * mask, y)\nvalid = out[mask == 1]\n")
    assert not applies(recipe, source, Facts("TypeError", message, line=3, lines=(3,)))
