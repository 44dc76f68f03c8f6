"""detectors-B's detectors on pasted code of many shapes: fragments without imports, module classes,
training loops, notebook cells; each fires on its situation and stays quiet on the correct variant
and on look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- backward-without-graph: a loss with no graph behind it -------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
with torch.no_grad():
    out = model(x)
loss = F.mse_loss(out, y)
loss.backward()
""", 4),
    ("""\
for x, y in loader:
    pred = model(x).detach()
    loss = criterion(pred, y)
    loss.backward()
""", 4),
    ("""\
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
model.fc = nn.Linear(8, 2)
model.requires_grad_(False)
x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
loss = nn.functional.cross_entropy(model(x), y)
loss.backward()
""", 6),
    ("""\
import torch
loss = torch.tensor(criterion(model(x), y).item())
loss.backward()
""", 3),
])
def test_a_loss_without_a_graph_fires(source, line):
    assert lines("backward-without-graph", source) == [line]


@pytest.mark.parametrize("source", [
    """\
out = model(x)
loss = F.mse_loss(out, y)
loss.backward()
""",
    """\
for p in model.parameters():
    p.requires_grad = False
model.fc = nn.Linear(8, 2)
loss = criterion(model(x), y)
loss.backward()
""",
    """\
for p in model.parameters():
    p.requires_grad = False
x = images.clone().requires_grad_(True)
loss = criterion(model(x), y)
loss.backward()
""",
    """\
def update(q, target_net, batch):
    with torch.no_grad():
        target = target_net(batch)
    loss = F.mse_loss(target, q)
    loss.backward()
""",
])
def test_a_loss_with_a_graph_is_quiet(source):
    """A live prediction; a new head after the freeze; an input that requires grad (saliency); an
    argument order that puts the live tensor second."""
    assert lines("backward-without-graph", source) == []


# ---- softmax-into-cross-entropy / nll-loss-without-log-softmax ----------------------------------

SOFTMAX_NET = """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.sm = nn.Softmax(dim=1)

    def forward(self, x):
        return self.sm(self.fc(x))

"""



@pytest.mark.parametrize("source, line", [
    ("""\
model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
loss = nn.CrossEntropyLoss()(model(x), y)
""", 2),
    ("""\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.fc(x)
        x = self.softmax(x)
        return x

model = Net()
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
""", 14),
    ("""\
criterion = torch.nn.CrossEntropyLoss()
probs = logits.softmax(dim=-1)
loss = criterion(probs, labels)
""", 3),
])
def test_softmax_into_cross_entropy_fires(source, line):
    assert lines("softmax-into-cross-entropy", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Linear(4, 3))
loss = nn.CrossEntropyLoss()(model(x), y)
probs = nn.Softmax(dim=1)(model(x))
""",
    """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.fc(x)
        if self.training:
            return x
        return self.softmax(x)

model = Net()
loss = F.cross_entropy(model(x), y)
""",
    """\
model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
loss = nn.NLLLoss()(torch.log(model(x)), y)
""",
])
def test_logits_into_cross_entropy_are_quiet(source):
    assert lines("softmax-into-cross-entropy", source) == []


@pytest.mark.parametrize("source, line", [
    (SOFTMAX_NET + """\
net = Net()
loss = F.nll_loss(net(x), y)
""", 11),
    ("""\
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Softmax(dim=1))
criterion = torch.nn.NLLLoss()
for x, y in loader:
    loss = criterion(model(x), y)
""", 4),
    ("""\
loss = F.nll_loss(torch.softmax(logits, dim=-1), y)
""", 1),
])
def test_nll_loss_on_probabilities_fires(source, line):
    assert lines("nll-loss-without-log-softmax", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))
loss = nn.NLLLoss()(model(x), y)
""",
    """\
loss = F.nll_loss(torch.log_softmax(logits, dim=-1), y)
""",
    """\
probs = torch.softmax(logits, dim=-1)
loss = F.nll_loss(torch.log(probs + 1e-8), y)
""",
])
def test_nll_loss_on_log_probabilities_is_quiet(source):
    assert lines("nll-loss-without-log-softmax", source) == []


# ---- dataparallel-attribute -------------------------------------------------------------------

ENCODER = """\
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

    def embed(self, x):
        return self.fc(x).tanh()

"""


@pytest.mark.parametrize("source, line", [
    (ENCODER + "model = torch.nn.DataParallel(Encoder()).cuda()\nprint(model.fc.weight.shape)\n", 13),
    (ENCODER + """\
from torch.nn.parallel import DistributedDataParallel as DDP
def main(rank):
    model = DDP(Encoder().to(rank), device_ids=[rank])
    return model.embed(x)
""", 15),
    (ENCODER + "net = Encoder()\nnet = nn.DataParallel(net)\nfor x in loader:\n    z = net.embed(x)\n", 15),
])
def test_a_wrapped_models_own_attribute_fires(source, line):
    assert lines("dataparallel-attribute", source) == [line]


@pytest.mark.parametrize("source", [
    ENCODER + "model = torch.nn.DataParallel(Encoder()).cuda()\nprint(model.module.fc.weight.shape)\n",
    ENCODER + """\
from torch.nn.parallel import DistributedDataParallel as DDP
def main(rank):
    model = DDP(Encoder().to(rank), device_ids=[rank])
    return model(x), model.parameters()
""",
    ENCODER + "DDP = make_wrapper()\nmodel = DDP(Encoder())\nmodel.embed(x)\n",
])
def test_the_module_attribute_or_the_wrappers_own_is_quiet(source):
    assert lines("dataparallel-attribute", source) == []


# ---- dataset-without-getitem ------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
class Pairs(Dataset):
    def __init__(self, x):
        self.x = x
    def __len__(self):
        return len(self.x)
    def __get_item__(self, i):
        return self.x[i]
""", 1),
    ("""\
class Pairs(data.Dataset):
    def __len__(self):
        return 10
def __getitem__(self, i):
    return i
""", 1),
    ("""\
from torch.utils.data import Dataset
class Pairs(Dataset):
    def __len__(self):
        return 10
    def get_item(self, i):
        return i
""", 2),
])
def test_a_dataset_without_getitem_fires(source, line):
    assert lines("dataset-without-getitem", source) == [line]


@pytest.mark.parametrize("source", [
    """\
class Pairs(Dataset):
    def __len__(self):
        return 10
    def __getitem__(self, i):
        return i
""",
    """\
class Pairs(Dataset):
    def __len__(self):
        return 10
    def sample(self, i):
        return i
""",
    """\
from datasets import Dataset
class Pairs(Dataset):
    def __len__(self):
        return 10
    def getitem(self, i):
        return i
""",
])
def test_a_dataset_with_getitem_or_not_torchs_is_quiet(source):
    """A fragment's bare `Dataset` is taken for torch's only with a getitem-like slip in view."""
    assert lines("dataset-without-getitem", source) == []


# ---- layers-in-python-list / forward-misspelt -------------------------------------------------

MLP_FROM_LIST = """\
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers.append(nn.Linear(a, b))
        self.layers = layers
"""


@pytest.mark.parametrize("source, line", [
    (MLP_FROM_LIST, 7),
    ("""\
class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = []
        for _ in range(3):
            self.blocks += [torch.nn.Linear(4, 4), torch.nn.ReLU()]
""", 4),
    ("""\
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = {"a": nn.Linear(4, 1), "b": nn.Linear(4, 1)}
""", 4),
])
def test_layers_in_a_plain_list_fire(source, line):
    assert lines("layers-in-python-list", source) == [line]


@pytest.mark.parametrize("source", [
    MLP_FROM_LIST + "        self.net = nn.Sequential(*layers)\n",
    """\
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList()
        for _ in range(3):
            self.blocks += [nn.Linear(4, 4)]
""",
    """\
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.sizes = []
        self.sizes += [4, 8]
""",
])
def test_registered_layers_or_plain_values_are_quiet(source):
    assert lines("layers-in-python-list", source) == []


def test_a_forward_indented_into_init_fires_and_a_real_one_is_quiet():
    broken = """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x)
"""
    assert lines("forward-misspelt", broken) == [6]
    correct = broken.replace("\n        def forward", "\n    def forward").replace("            return", "        return")
    helper = broken.replace("def forward(self, x)", "def forward(x)")
    called = broken + "\n    def __call__(self, x):\n        return self.fc(x)\n"
    assert [lines("forward-misspelt", s) for s in (correct, helper, called)] == [[], [], []]


# ---- zero-grad-order --------------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
def train(model, loader, optimizer):
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
""", 5),
    ("""\
from torch.optim import Adam
opt = Adam(model.parameters(), lr=1e-3)
for step in range(100):
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
""", 6),
    ("""\
class Trainer:
    def __init__(self, model):
        self.opt = torch.optim.AdamW(model.parameters())

    def fit(self, loader):
        for x, y in loader:
            loss = self.crit(self.model(x), y)
            loss.backward()
            self.opt.zero_grad()
            self.opt.step()
""", 9),
])
def test_gradients_piling_up_or_wiped_fire(source, line):
    assert lines("zero-grad-order", source) == [line]


@pytest.mark.parametrize("source", [
    """\
def train(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
""",
    """\
def run(env, agent, steps):
    for _ in range(steps):
        loss = agent.loss()
        loss.backward()
        env.step()
""",
    """\
from torch.optim.lr_scheduler import StepLR
sched = StepLR(opt, 10)
for epoch in range(10):
    train_one_epoch(model)
    loss.backward()
    sched.step()
""",
])
def test_a_cleared_loop_or_non_optimizer_steps_are_quiet(source):
    assert lines("zero-grad-order", source) == []


# ---- batchnorm-single-sample ------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
x = torch.randn(1, 4)
out = model(x)
""", 3),
    ("""\
class QNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8)

    def forward(self, x):
        return self.bn(self.fc(x))

net = QNet()
action = net(state[None]).argmax()
""", 11),
    ("""\
policy = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8))
for obs in env_states:
    q = policy(obs.unsqueeze(0))
""", 3),
])
def test_one_sample_through_batchnorm1d_fires(source, line):
    assert lines("batchnorm-single-sample", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
out = model(torch.randn(3, 32, 32).unsqueeze(0))
""",
    """\
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))
model.eval()
out = model(torch.randn(1, 4))
""",
    """\
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8))
out = model(torch.randn(16, 4))
""",
])
def test_batches_eval_mode_or_batchnorm2d_images_are_quiet(source):
    assert lines("batchnorm-single-sample", source) == []


# ---- batchnorm1d-on-embedding -----------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
class Tagger(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.norm = nn.BatchNorm1d(dim)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        x = self.drop(self.embedding(x))
        return self.norm(x)
""", 10),
    ("model = nn.Sequential(nn.Embedding(100, 32), nn.Dropout(0.2), nn.BatchNorm1d(32))\n", 1),
    ("""\
emb = torch.nn.Embedding(100, 32)
bn = torch.nn.BatchNorm1d(32)
h = bn(F.dropout(emb(tokens), 0.1))
""", 3),
])
def test_batchnorm1d_after_an_embedding_fires(source, line):
    assert lines("batchnorm1d-on-embedding", source) == [line]


@pytest.mark.parametrize("source", [
    """\
emb = nn.Embedding(100, 32)
bn = nn.BatchNorm1d(32)
h = bn(emb(tokens).transpose(1, 2))
""",
    "model = nn.Sequential(nn.Embedding(100, 32), nn.Flatten(), nn.Linear(320, 32), nn.BatchNorm1d(32))\n",
    """\
emb = nn.EmbeddingBag(100, 32)
bn = nn.BatchNorm1d(32)
h = bn(emb(tokens, offsets))
""",
])
def test_batchnorm1d_on_transposed_or_pooled_embeddings_is_quiet(source):
    assert lines("batchnorm1d-on-embedding", source) == []


# ---- numpy-on-grad-tensor ---------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
w = torch.randn(3, requires_grad=True)
y = w * 2 + 1
print(y.numpy())
""", 3),
    ("""\
import numpy as np
model = nn.Linear(3, 1)
out = model(torch.randn(4, 3))
arr = np.asarray(out)
""", 4),
    ("""\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x)

net = Net()
preds = [net(x).cpu().numpy() for x in batches]
""", 10),
])
def test_numpy_on_a_tensor_that_requires_grad_fires(source, line):
    assert lines("numpy-on-grad-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
w = torch.randn(3, requires_grad=True)
y = w.detach() * 2
print(y.numpy())
""",
    """\
model = nn.Linear(3, 1)
with torch.no_grad():
    out = model(torch.randn(4, 3))
arr = np.asarray(out)
""",
    """\
x = torch.randn(3) * 2
print(np.array(x), x.numpy())
""",
])
def test_numpy_on_detached_or_plain_tensors_is_quiet(source):
    assert lines("numpy-on-grad-tensor", source) == []


# ---- hidden-state-not-detached ----------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
class Trainer:
    def run(self):
        for x, y in self.loader:
            out, self.hidden = self.model(x, self.hidden)
            self.loss_fn(out, y).backward()
""", 4),
    ("""\
hidden = model.init_hidden(32)
for x, y in loader:
    out, hidden = model(x, hidden)
    loss = criterion(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""", 3),
    ("""\
state = None
for chunk in chunks:
    y, state = lstm(chunk, state)
    y.sum().backward()
""", 3),
])
def test_a_carried_hidden_state_fires(source, line):
    assert lines("hidden-state-not-detached", source) == [line]


@pytest.mark.parametrize("source", [
    """\
class Trainer:
    def run(self):
        for x, y in self.loader:
            self.hidden = self.hidden.detach()
            out, self.hidden = self.model(x, self.hidden)
            self.loss_fn(out, y).backward()
""",
    """\
for x, y in loader:
    hidden = tuple(h.detach() for h in hidden)
    out, hidden = model(x, hidden)
    criterion(out, y).backward()
""",
    """\
for x, y in loader:
    out, hidden = model(x, None)
    criterion(out, y).backward()
""",
])
def test_a_detached_or_fresh_state_is_quiet(source):
    assert lines("hidden-state-not-detached", source) == []


# ---- float-index-tensor -----------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
X = torch.randn(100, 6)
idx = (torch.rand(16) * len(X)).floor()
xb = X[idx]
""", 3),
    ("""\
for step in range(10):
    picks = torch.linspace(0, 99, 8).round()
    batch = data.index_select(0, picks)
""", 3),
    ("""\
def sample(pool, n):
    chosen = torch.randint(0, len(pool), (n,)).float()
    return pool[chosen]

sample(torch.randn(50, 4), 8)
""", 3),
])
def test_float_indices_fire(source, line):
    assert lines("float-index-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
idx = (torch.rand(16) * len(X)).long()
xb = X[idx]
""",
    """\
idx = torch.randint(0, len(X), (16,))
xb, scores = X[idx], torch.rand(16)[idx]
""",
    """\
idx = some_helper(X)
xb = X[idx]
""",
    """\
t1 = torch.rand(3, 3, requires_grad=True)
grads = dist_autograd.get_gradients(context_id)
g = grads[t1]
""",
])
def test_integer_or_unknown_indices_are_quiet(source):
    """A dict keyed by tensors is indexed by float tensors legitimately."""
    assert lines("float-index-tensor", source) == []


# ---- input-dtype-into-linear / input-dtype-into-conv ------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
x = torch.from_numpy(np.random.rand(32, 8))
pred = model(x)
""", 3),
    ("""\
features = torch.randn(256, 8, dtype=torch.float64)
loader = DataLoader(TensorDataset(features, targets), batch_size=32)
model = torch.nn.Linear(8, 1)
for xb, yb in loader:
    loss = F.mse_loss(model(xb), yb)
""", 5),
    ("""\
class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(x)

net = Regressor()
out = net(torch.tensor([[1, 2, 3, 4]]))
""", 10),
])
def test_a_float64_or_integer_input_into_linear_fires(source, line):
    assert lines("input-dtype-into-linear", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
x = torch.from_numpy(np.random.rand(32, 8)).float()
pred = model(x)
""",
    """\
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1)).double()
pred = model(torch.randn(32, 8, dtype=torch.float64))
""",
    """\
model = nn.Sequential(nn.Embedding(100, 16), nn.Linear(16, 1))
pred = model(torch.tensor([[1, 2, 3]]))
""",
])
def test_float32_inputs_or_cast_models_are_quiet_for_linear(source):
    assert lines("input-dtype-into-linear", source) == []


@pytest.mark.parametrize("source, line", [
    ("""\
pixels = images.double() / 255
x = (pixels - pixels.mean()) / pixels.std()
model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
logits = model(x)
""", 4),
    ("""\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)

    def forward(self, x):
        return self.conv1(x).relu()

net = Net()
frames = torch.randint(0, 256, (4, 1, 28, 28), dtype=torch.uint8)
out = net(frames)
""", 11),
    ("""\
conv = torch.nn.Conv1d(2, 4, 3)
signal = torch.randn(8, 2, 50).to(torch.float16)
y = conv(signal)
""", 3),
    ("""\
stack = np.load("scans.npy") / 255.0
conv = nn.Conv2d(1, 4, 3)
y = conv(torch.from_numpy(stack[:8]).unsqueeze(1))
""", 3),
])
def test_a_float64_half_or_uint8_input_into_conv_fires(source, line):
    assert lines("input-dtype-into-conv", source) == [line]


@pytest.mark.parametrize("source", [
    """\
pixels = images.float() / 255
model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU())
logits = model(pixels)
""",
    """\
conv = nn.Conv2d(3, 8, 3).half()
y = conv(torch.randn(1, 3, 8, 8).half())
""",
    """\
stack = np.load("scans.npy").astype(np.float32) / 255.0
conv = nn.Conv2d(1, 4, 3)
y = conv(torch.from_numpy(stack[:8]).unsqueeze(1))
""",
    """\
conv = nn.Conv2d(3, 8, 3)
with torch.autocast("cpu", dtype=torch.bfloat16):
    y = conv(torch.randn(1, 3, 8, 8).bfloat16())
""",
])
def test_float32_inputs_cast_convs_or_autocast_are_quiet(source):
    assert lines("input-dtype-into-conv", source) == []


# ---- inplace-float-on-integer / float-kernel-on-integer ---------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
counts = torch.bincount(labels, minlength=4)
counts /= counts.sum()
""", 2),
    ("""\
mask = torch.zeros(5, dtype=torch.long)
for step in range(3):
    mask *= 0.5
""", 3),
    ("""\
def scale(ids):
    ids.mul_(0.1)
    return ids

scale(torch.arange(10))
""", 2),
])
def test_a_float_update_in_place_on_an_integer_tensor_fires(source, line):
    assert lines("inplace-float-on-integer", source) == [line]


@pytest.mark.parametrize("source", [
    """\
counts = torch.bincount(labels, minlength=4)
weights = counts / counts.sum()
""",
    """\
counts = torch.bincount(labels, minlength=4).float()
counts /= counts.sum()
""",
    """\
total = 0
total /= 3
steps = torch.arange(10)
steps += 1
""",
])
def test_out_of_place_float_or_integer_updates_are_quiet(source):
    assert lines("inplace-float-on-integer", source) == []


@pytest.mark.parametrize("source, line", [
    ("""\
predictions = torch.stack([m(x).argmax(dim=1) for m in ensemble])
votes = F.one_hot(predictions, 3).sum(dim=0)
soft = torch.softmax(votes, dim=1)
""", 3),
    ("""\
ids = torch.randint(0, 100, (4, 7))
noise = torch.randn_like(ids)
""", 2),
    ("""\
class Head(nn.Module):
    def forward(self, x):
        return x.argmax(-1).log_softmax(dim=-1)
""", 3),
])
def test_a_float_kernel_on_an_integer_tensor_fires(source, line):
    assert lines("float-kernel-on-integer", source) == [line]


@pytest.mark.parametrize("source", [
    """\
votes = F.one_hot(predictions, 3).sum(dim=0)
soft = torch.softmax(votes.float(), dim=1)
""",
    """\
votes = F.one_hot(predictions, 3).sum(dim=0)
soft = torch.softmax(votes, dim=1, dtype=torch.float32)
""",
    """\
ids = torch.randint(0, 100, (4, 7))
noise = torch.randn_like(ids, dtype=torch.float32)
probs = logits.softmax(dim=-1)
""",
])
def test_float_kernels_on_floats_are_quiet(source):
    assert lines("float-kernel-on-integer", source) == []


# ---- callable-shadowed-by-tensor --------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
criterion = nn.CrossEntropyLoss()
for x, y in loader:
    criterion = criterion(model(x), y)
    criterion.backward()
""", 3),
    ("""\
for x, y in loader:
    loss = loss(model(x), y)
    loss.backward()
""", 2),
    ("""\
model = Net()
model = model(torch.randn(2, 4))
print(model(torch.randn(2, 4)))
""", 2),
    ("""\
batch = torch.randn(8, 3)
n = batch.shape(0)
""", 2),
])
def test_a_callable_rebound_to_its_tensor_or_a_called_shape_fires(source, line):
    assert lines("callable-shadowed-by-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
criterion = nn.CrossEntropyLoss()
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
""",
    """\
def loss(out, y):
    return (out - y).pow(2).mean()

for x, y in loader:
    value = loss(model(x), y)
""",
    """\
transform = build_transform()
transform = transform(config)
n = tf.shape(x)[0]
m = batch.shape[0]
""",
])
def test_distinct_names_or_non_module_rebinding_is_quiet(source):
    assert lines("callable-shadowed-by-tensor", source) == []


# ---- numpy-spelling-on-tensor -----------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
def standardise(features):
    features = features.astype(np.float32)
    return features - features.mean(0)

standardise(torch.randint(0, 255, (16, 4)))
""", 2),
    ("""\
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backwards()
""", 3),
    ("""\
import numpy as np
mask = torch.zeros(4, 4, dtype=np.float32)
""", 2),
    ("""\
model = nn.Linear(4, 2)
outputs = model(torch.randn(3, 4))
outputs.append(model(torch.randn(3, 4)))
""", 3),
])
def test_numpy_or_list_spellings_on_tensors_fire(source, line):
    assert lines("numpy-spelling-on-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
def standardise(features):
    features = features.astype(np.float32)
    return features - features.mean(0)

standardise(np.random.rand(16, 4))
""",
    """\
outputs = []
outputs.append(model(torch.randn(3, 4)))
arr = np.zeros(4, dtype=np.float32).astype(np.float64)
""",
    """\
mask = torch.zeros(4, 4, dtype=torch.float32)
copy = mask.clone()
""",
])
def test_numpy_spellings_on_arrays_and_lists_are_quiet(source):
    assert lines("numpy-spelling-on-tensor", source) == []


# ---- iterating-a-scalar-loss ------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
losses = F.cross_entropy(model(x), y)
hardest = [i for i, l in enumerate(losses) if l > 1.0]
""", 2),
    ("""\
criterion = nn.MSELoss()
per_sample = criterion(pred, target)
for value in per_sample:
    print(value)
""", 3),
    ("""\
def evaluate(model, x, y):
    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
    return len(loss)
""", 3),
])
def test_iterating_a_default_reduction_loss_fires(source, line):
    assert lines("iterating-a-scalar-loss", source) == [line]


@pytest.mark.parametrize("source", [
    """\
losses = F.cross_entropy(model(x), y, reduction="none")
hardest = [i for i, l in enumerate(losses) if l > 1.0]
""",
    """\
criterion = nn.MSELoss(reduction="none")
for value in criterion(pred, target):
    print(value)
""",
    """\
loss = F.cross_entropy(model(x), y)
history = [loss.item() for _ in range(3)]
for epoch in range(len(history)):
    pass
""",
])
def test_per_sample_losses_or_other_loops_are_quiet(source):
    assert lines("iterating-a-scalar-loss", source) == []


# ---- tensor-of-tensor-list --------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
encoder = nn.Sequential(nn.Linear(12, 16))
embeddings = []
for batch in batches:
    embeddings.append(encoder(batch))
all_emb = torch.tensor(embeddings)
""", 5),
    ("""\
a, b = torch.randn(3), torch.randn(3)
pair = torch.tensor([torch.randn(3), torch.randn(3)])
""", 2),
    (ENCODER + """\
def collect(net, batches):
    outs = []
    for x in batches:
        out = net(x).detach()
        outs.append(out)
    return torch.Tensor(outs)

net = Encoder()
""", 17),
])
def test_torch_tensor_of_a_tensor_list_fires(source, line):
    assert lines("tensor-of-tensor-list", source) == [line]


@pytest.mark.parametrize("source", [
    """\
encoder = nn.Sequential(nn.Linear(12, 16))
embeddings = []
for batch in batches:
    embeddings.append(encoder(batch))
all_emb = torch.cat(embeddings)
""",
    """\
losses = []
for x, y in loader:
    losses.append(criterion(model(x), y).item())
history = torch.tensor(losses)
""",
    """\
scores = torch.tensor([torch.randn(1), 0.5])
ids = torch.tensor([[1, 2], [3, 4]])
""",
])
def test_stacked_lists_or_lists_of_numbers_are_quiet(source):
    assert lines("tensor-of-tensor-list", source) == []


# ---- loader-unpacked-wrong --------------------------------------------------------------------

TRIPLES = """\
class Triples(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return self.x[i], self.y[i], self.names[i]

"""


@pytest.mark.parametrize("source, line", [
    (TRIPLES + "for x, y in DataLoader(Triples(), batch_size=5):\n    pass\n", 8),
    (TRIPLES + "loader = DataLoader(Triples(), batch_size=5)\nfor step, (x, y) in enumerate(loader):\n    pass\n", 9),
    ("""\
from torch.utils.data import DataLoader, TensorDataset
loader = DataLoader(TensorDataset(X, Y, W), batch_size=8, shuffle=True)
for xb, yb in loader:
    pass
""", 3),
    ("""\
class Records(torch.utils.data.Dataset):
    def __getitem__(self, i):
        return {"image": self.x[i], "label": self.y[i], "id": i}

for image, label in torch.utils.data.DataLoader(Records()):
    pass
""", 5),
])
def test_unpacking_fewer_values_than_a_sample_has_fires(source, line):
    assert lines("loader-unpacked-wrong", source) == [line]


@pytest.mark.parametrize("source", [
    TRIPLES + "for x, y, name in DataLoader(Triples(), batch_size=5):\n    pass\n",
    TRIPLES + "for x, y in DataLoader(Triples(), batch_size=5, collate_fn=drop_names):\n    pass\n",
    """\
class Either(Dataset):
    def __getitem__(self, i):
        if self.train:
            return self.x[i], self.y[i]
        return self.x[i], self.y[i], i

for x, y in DataLoader(Either()):
    pass
""",
])
def test_matching_unpacking_collate_or_unclear_samples_are_quiet(source):
    assert lines("loader-unpacked-wrong", source) == []


# ---- logits-into-bce --------------------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
criterion = nn.BCELoss()
loss = criterion(model(x).squeeze(1), y)
""", 3),
    ("""\
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(8, 16)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.relu(self.body(x))
        out = self.head(h)
        return out

clf = Classifier()
for x, y in loader:
    loss = F.binary_cross_entropy(clf(x), y)
""", 14),
    ("""\
head = torch.nn.Linear(16, 1)
logits = head(features).view(-1)
loss = torch.nn.BCELoss()(logits, labels)
""", 3),
    ("""\
class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.layers(x)

critic = Critic()
bce = nn.BCELoss()
""", 10),
])
def test_raw_logits_into_bce_fire(source, line):
    assert lines("logits-into-bce", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
loss = nn.BCELoss()(model(x).squeeze(1), y)
""",
    """\
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
loss = nn.BCELoss()(torch.sigmoid(model(x)), y)
""",
    """\
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
loss = nn.BCEWithLogitsLoss()(model(x), y)
""",
    """\
class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return torch.sigmoid(self.layers(x))

critic = Critic()
bce = nn.BCELoss()
""",
    """\
gen = nn.Sequential(nn.Linear(8, 64), nn.Tanh())
disc = nn.Sequential(nn.Linear(64, 1))
bce = nn.BCELoss()
""",
])
def test_probabilities_into_bce_or_logits_into_bce_with_logits_are_quiet(source):
    assert lines("logits-into-bce", source) == []


# ---- wrapped-state-dict-into-plain-model ------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
wrapped = nn.DataParallel(Net()).cuda()
torch.save(wrapped.state_dict(), "ckpt.pt")
model = Net()
model.load_state_dict(torch.load("ckpt.pt"))
""", 4),
    ("""\
compiled = torch.compile(make_model())
torch.save({"model": compiled.state_dict(), "epoch": 3}, path)
fresh = make_model()
ckpt = torch.load(path, map_location="cpu")
fresh.load_state_dict(ckpt["model"])

def make_model():
    return nn.Linear(4, 2)
""", 5),
    ("""\
from torch.nn.parallel import DistributedDataParallel as DDP
plain = Net()
torch.save(plain.state_dict(), "plain.pt")
ddp = DDP(Net())
ddp.load_state_dict(torch.load("plain.pt"))
""", 5),
])
def test_keys_with_a_wrappers_prefix_into_the_other_kind_fire(source, line):
    assert lines("wrapped-state-dict-into-plain-model", source) == [line]


@pytest.mark.parametrize("source", [
    """\
wrapped = nn.DataParallel(Net())
torch.save(wrapped.module.state_dict(), "ckpt.pt")
model = Net()
model.load_state_dict(torch.load("ckpt.pt"))
""",
    """\
wrapped = nn.DataParallel(Net())
torch.save(wrapped.state_dict(), "ckpt.pt")
state = {k.removeprefix("module."): v for k, v in torch.load("ckpt.pt").items()}
model = Net()
model.load_state_dict(state)
""",
    """\
wrapped = nn.DataParallel(Net())
torch.save(wrapped.state_dict(), "ckpt.pt")
backbone = Net()
backbone.load_state_dict(torch.load("imagenet_backbone.pt"))
""",
])
def test_unwrapped_saves_renamed_keys_or_other_files_are_quiet(source):
    assert lines("wrapped-state-dict-into-plain-model", source) == []


# ---- branch-on-tensor-under-fullgraph ---------------------------------------------------------

CLIPPED = """\
class Clipped(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x, limit=1.0):
        h = self.proj(x)
        if h.norm() > limit:
            h = h / h.norm()
        return h

"""


@pytest.mark.parametrize("source, line", [
    (CLIPPED + "model = torch.compile(Clipped(), fullgraph=True)\n", 8),
    (CLIPPED + "net = Clipped()\nprogram = torch.export.export(net, (torch.randn(2, 8),))\n", 8),
    ("""\
@torch.compile(fullgraph=True)
def step(x, w):
    y = x @ w
    while y.abs().max().item() > 10:
        y = y / 2
    return y
""", 4),
])
def test_a_data_dependent_branch_in_captured_code_fires(source, line):
    assert lines("branch-on-tensor-under-fullgraph", source) == [line]


@pytest.mark.parametrize("source", [
    CLIPPED + "model = torch.compile(Clipped())\n",
    CLIPPED.replace("if h.norm() > limit:", "if h.shape[0] > 1:") + "model = torch.compile(Clipped(), fullgraph=True)\n",
    """\
@torch.compile(fullgraph=True)
def step(x, w, clip=None):
    y = x @ w
    if clip is not None:
        y = torch.where(y.abs() > clip, y / 2, y)
    return y
""",
])
def test_static_branches_or_graph_breaks_allowed_are_quiet(source):
    assert lines("branch-on-tensor-under-fullgraph", source) == []


# ---- ddp-layer-without-gradient ---------------------------------------------------------------

TWO_HEADS = """\
from torch.nn.parallel import DistributedDataParallel as DDP
class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(8, 16)
        self.main = nn.Linear(16, 3)
        self.aux = nn.Linear(16, 1)

    def forward(self, x):
        h = self.body(x).relu()
        return self.main(h), self.aux(h)

"""


@pytest.mark.parametrize("source, line", [
    (TWO_HEADS + """\
def train(rank):
    model = DDP(TwoHeads().to(rank), device_ids=[rank])
    for x, y in loader:
        logits, _ = model(x)
        F.cross_entropy(logits, y).backward()
""", 16),
    (TWO_HEADS.replace("return self.main(h), self.aux(h)", "return self.main(h)") + """\
model = torch.nn.parallel.DistributedDataParallel(TwoHeads())
""", 13),
    (TWO_HEADS + """\
net = TwoHeads()
ddp = DDP(net)
for x, y in loader:
    out, _ = ddp(x)
""", 16),
])
def test_a_ddp_layer_without_gradient_fires(source, line):
    assert lines("ddp-layer-without-gradient", source) == [line]


@pytest.mark.parametrize("source", [
    TWO_HEADS + """\
model = DDP(TwoHeads())
logits, aux = model(x)
""",
    TWO_HEADS + """\
model = DDP(TwoHeads(), find_unused_parameters=True)
logits, _ = model(x)
""",
    TWO_HEADS + """\
net = TwoHeads()
net.aux.requires_grad_(False)
model = DDP(net)
logits, _ = model(x)
""",
])
def test_used_outputs_or_allowed_unused_parameters_are_quiet(source):
    assert lines("ddp-layer-without-gradient", source) == []


# ---- graph-cut-before-loss --------------------------------------------------------------------

TWO_STAGES = """\
encoder = nn.Sequential(nn.Linear(10, 16), nn.ReLU())
head = nn.Linear(16, 1)
opt = torch.optim.SGD([*encoder.parameters(), *head.parameters()], lr=0.1)
"""


@pytest.mark.parametrize("source, line", [
    (TWO_STAGES + """\
for x, y in loader:
    feats = encoder(x).detach()
    loss = F.mse_loss(head(feats), y)
    loss.backward()
""", 5),
    (TWO_STAGES + """\
def normalise(features):
    arr = features.detach().cpu().numpy()
    return torch.from_numpy((arr - arr.mean(0)) / arr.std(0))

loss = nn.functional.mse_loss(head(normalise(encoder(x))), y)
loss.backward()
""", 5),
    (TWO_STAGES + """\
z = torch.tensor(encoder(x).tolist())
criterion = nn.MSELoss()
loss = criterion(head(z), y)
loss.backward()
""", 4),
])
def test_a_trained_model_cut_off_from_the_loss_fires(source, line):
    assert lines("graph-cut-before-loss", source) == [line]


@pytest.mark.parametrize("source", [
    TWO_STAGES + """\
feats = encoder(x)
loss = F.mse_loss(head(feats), y)
loss.backward()
""",
    """\
teacher = nn.Linear(10, 16)
student = nn.Linear(16, 1)
opt = torch.optim.SGD(student.parameters(), lr=0.1)
loss = F.mse_loss(student(teacher(x).detach()), y)
loss.backward()
""",
    TWO_STAGES + """\
loss = F.mse_loss(head(encoder(x)), y)
loss.backward()
history.append(encoder(x).detach().numpy())
""",
])
def test_a_connected_or_deliberately_frozen_model_is_quiet(source):
    """The teacher's parameters are not in the optimizer: detaching it is meant."""
    assert lines("graph-cut-before-loss", source) == []


# ---- column-prediction-vs-flat-target ---------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
x = torch.randn(64, 3)
y = x @ torch.tensor([1.5, -2.0, 0.5]) + 0.3
model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
for step in range(100):
    pred = model(x)
    loss = F.mse_loss(pred, y)
""", 6),
    ("""\
regressor = torch.nn.Linear(8, 1)
criterion = torch.nn.L1Loss()
targets = torch.randn(32)
loss = criterion(regressor(torch.randn(32, 8)), targets)
""", 4),
    ("""\
class Price(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        return self.out(x)

loader = DataLoader(TensorDataset(torch.randn(100, 4), torch.randn(100)), batch_size=10)
net = Price()
for xb, yb in loader:
    loss = nn.MSELoss()(net(xb), yb)
""", 12),
])
def test_a_column_prediction_against_a_flat_target_fires(source, line):
    assert lines("column-prediction-vs-flat-target", source) == [line]


@pytest.mark.parametrize("source", [
    """\
x = torch.randn(64, 3)
y = x @ torch.tensor([1.5, -2.0, 0.5])
model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
loss = F.mse_loss(model(x).squeeze(1), y)
""",
    """\
model = nn.Linear(8, 1)
loss = F.mse_loss(model(torch.randn(32, 8)), torch.randn(32, 1))
""",
    """\
model = nn.Linear(8, 4)
loss = F.mse_loss(model(torch.randn(32, 8)), torch.randn(4))
""",
])
def test_matching_shapes_or_wide_outputs_are_quiet(source):
    """A [32, 4] prediction against a [4] target broadcasts by design (one target per column)."""
    assert lines("column-prediction-vs-flat-target", source) == []


# ---- optimizer-rebuilt-over-other-parameters --------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
model[0].requires_grad_(False)
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
optimizer.load_state_dict(checkpoint["optimizer"])
""", 5),
    ("""\
opt = torch.optim.SGD([{"params": net.body.parameters()}, {"params": net.head.parameters(), "lr": 1e-2}], lr=0.1)
saved = opt.state_dict()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
opt.load_state_dict(saved)
""", 4),
    ("""\
for p in backbone.parameters():
    p.requires_grad = False
old = torch.optim.AdamW(model.parameters())
new = torch.optim.AdamW(filter(lambda p: p.requires_grad, model.parameters()))
new.load_state_dict(old.state_dict())
""", 5),
])
def test_an_optimizer_state_into_other_parameters_fires(source, line):
    assert lines("optimizer-rebuilt-over-other-parameters", source) == [line]


@pytest.mark.parametrize("source", [
    """\
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
checkpoint = {"optimizer": optimizer.state_dict()}
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
optimizer.load_state_dict(checkpoint["optimizer"])
""",
    """\
optimizer = torch.optim.Adam(model.parameters())
saved = optimizer.state_dict()
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad])
optimizer.load_state_dict(saved)
""",
    """\
optimizer = torch.optim.Adam(model.parameters())
optimizer.load_state_dict(torch.load("opt.pt"))
model.requires_grad_(False)
""",
])
def test_the_same_parameters_or_an_unknown_state_are_quiet(source):
    """A requires_grad filter with nothing frozen keeps every parameter."""
    assert lines("optimizer-rebuilt-over-other-parameters", source) == []


# ---- float-embedding-indices / bce-integer-target through traced dtypes -----------------------


@pytest.mark.parametrize("source, line", [
    ("""\
emb = nn.Embedding(10, 4)
ids = torch.from_numpy(np.random.rand(2, 5) * 10)
out = emb(ids)
""", 3),
    ("""\
emb = nn.Embedding(10, 4)
loader = DataLoader(TensorDataset(torch.rand(20, 5), torch.randint(0, 2, (20,))))
for tokens, label in loader:
    vectors = emb(tokens)
""", 4),
    ("""\
emb = torch.nn.Embedding(100, 8)
positions = torch.arange(16) / 2
h = emb(positions)
""", 3),
])
def test_float_indices_into_an_embedding_fire_through_traced_dtypes(source, line):
    assert lines("float-embedding-indices", source) == [line]


@pytest.mark.parametrize("source", [
    """\
emb = nn.Embedding(10, 4)
ids = torch.from_numpy(np.random.randint(0, 10, (2, 5)))
out = emb(ids)
""",
    """\
emb = nn.Embedding(10, 4)
loader = DataLoader(TensorDataset(torch.randint(0, 10, (20, 5)), torch.rand(20)))
for tokens, score in loader:
    vectors = emb(tokens)
""",
    """\
emb = torch.nn.Embedding(100, 8)
positions = torch.arange(16) // 2
h = emb(positions)
""",
])
def test_integer_indices_into_an_embedding_are_quiet(source):
    assert lines("float-embedding-indices", source) == []


@pytest.mark.parametrize("source, line", [
    ("""\
votes = torch.stack(predictions).argmax(dim=0)
loss = F.binary_cross_entropy_with_logits(logits, votes)
""", 2),
    ("""\
loader = DataLoader(TensorDataset(X, torch.randint(0, 2, (100,))), batch_size=10)
criterion = nn.BCEWithLogitsLoss()
for xb, yb in loader:
    loss = criterion(model(xb).squeeze(1), yb)
""", 4),
    ("""\
def step(model, x, labels):
    return nn.BCELoss()(torch.sigmoid(model(x)), labels)

step(net, batch, torch.tensor([0, 1, 1, 0]))
""", 2),
])
def test_integer_bce_targets_fire_through_traced_dtypes(source, line):
    assert lines("bce-integer-target", source) == [line]


@pytest.mark.parametrize("source", [
    """\
votes = torch.stack(predictions).argmax(dim=0).float()
loss = F.binary_cross_entropy_with_logits(logits, votes)
""",
    """\
loader = DataLoader(TensorDataset(X, torch.randint(0, 2, (100,)).float()), batch_size=10)
criterion = nn.BCEWithLogitsLoss()
for xb, yb in loader:
    loss = criterion(model(xb).squeeze(1), yb)
""",
    """\
def step(model, x, labels):
    return nn.BCELoss()(torch.sigmoid(model(x)), labels)

step(net, batch, torch.tensor([0.0, 1.0]))
""",
])
def test_float_bce_targets_are_quiet(source):
    assert lines("bce-integer-target", source) == []


def test_a_list_wrapped_later_or_an_item_of_a_models_output_is_quiet():
    wrapped_later = """\
class Encoder(nn.Module):
    def __init__(self, strides):
        super().__init__()
        self.block = []
        for stride in strides:
            self.block += [nn.Conv1d(4, 4, 3, stride=stride)]
        self.block = nn.ModuleList(self.block)
"""
    tuple_output = """\
class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.LSTM(4, 4)

    def forward(self, x):
        outputs = self.encoder(x)
        states = outputs[1]
        states.append(x)
        return states
"""
    registered = wrapped_later.replace("self.block = nn.ModuleList(self.block)",
                                       "for i, layer in enumerate(self.block):\n            self.add_module(str(i), layer)")
    assert lines("layers-in-python-list", wrapped_later) == lines("layers-in-python-list", registered) == []
    assert lines("numpy-spelling-on-tensor", tuple_output) == []


@pytest.mark.parametrize("source, line", [
    ("model = nn.DataParallel(model)\nmodel.to(device)\npreds = model.predict(x)\n", 3),
    ("net = torch.nn.DataParallel(build_net()).cuda()\nprint(net.classifier.weight.shape)\n", 2),
    ("""\
from torch.nn.parallel import DistributedDataParallel as DDP
ddp_model = DDP(model, device_ids=[rank])
for x, y in loader:
    loss = ddp_model.compute_loss(x, y)
""", 4),
])
def test_a_models_own_attribute_on_a_wrapper_of_an_unknown_model_fires(source, line):
    assert lines("dataparallel-attribute", source) == [line]


@pytest.mark.parametrize("source", [
    "model = nn.DataParallel(model)\nmodel.train()\nout = model(x)\nw = model.module.fc.weight\n",
    "ddp = torch.nn.parallel.DistributedDataParallel(model)\nwith ddp.no_sync():\n    ddp(x).sum().backward()\n",
    "model = nn.DataParallel(model)\nmodel.tag = 'run1'\nprint(model.tag, model.device_ids, model.training)\n",
])
def test_the_wrappers_own_api_is_quiet(source):
    assert lines("dataparallel-attribute", source) == []


# ---- fragments: conventional names defined elsewhere ------------------------------------------


@pytest.mark.parametrize("detector, source, line", [
    ("zero-grad-order", """\
for data, target in train_loader:
    output = model(data)
    loss = F.nll_loss(output, target)
    loss.backward()
    optimizer.step()
""", 5),
    ("numpy-on-grad-tensor", """\
output = model(images)
preds = output.numpy()
""", 2),
    ("numpy-on-grad-tensor", """\
for x, y in loader:
    loss = criterion(net(x), y)
    history.append(loss.cpu().numpy())
""", 3),
])
def test_fragment_names_defined_elsewhere_fire(detector, source, line):
    assert lines(detector, source) == [line]


@pytest.mark.parametrize("detector, source", [
    ("zero-grad-order", """\
for data, target in train_loader:
    optimizer.zero_grad()
    loss = F.nll_loss(model(data), target)
    loss.backward()
    optimizer.step()
"""),
    ("zero-grad-order", """\
for data, target in train_loader:
    loss = F.nll_loss(model(data), target)
    loss.backward()
    scheduler.step()
"""),
    ("numpy-on-grad-tensor", """\
with torch.no_grad():
    output = model(images)
preds = output.numpy()
scores = predictor(images).numpy()
"""),
])
def test_fragment_names_in_correct_or_unknown_code_are_quiet(detector, source):
    assert lines(detector, source) == []


# ---- optimizer-given-no-parameters ------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
params = model.parameters()
print("parameters:", sum(p.numel() for p in params))
opt = torch.optim.SGD(params, lr=0.1)
""", 3),
    ("""\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = nn.ReLU()
        self.fc = nn.Linear(4, 2)

    def configure(self):
        return torch.optim.Adam(self.act.parameters(), lr=1e-3)
""", 8),
    ("""\
def build(model):
    params = model.parameters()
    n = len(list(params))
    return optim.AdamW(params, lr=1e-3), n
""", 4),
])
def test_an_optimizer_given_nothing_fires(source, line):
    assert lines("optimizer-given-no-parameters", source) == [line]


@pytest.mark.parametrize("source", [
    """\
params = list(model.parameters())
print("parameters:", sum(p.numel() for p in params))
opt = torch.optim.SGD(params, lr=0.1)
""",
    """\
params = model.parameters()
opt = torch.optim.SGD(params, lr=0.1)
print(len(list(model.parameters())))
""",
    """\
head = nn.Linear(4, 2)
opt = torch.optim.SGD(head.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, 5)
""",
])
def test_an_optimizer_given_parameters_is_quiet(source):
    assert lines("optimizer-given-no-parameters", source) == []


def test_a_dataset_with_a_misspelt_getitem_fires_without_len_too():
    source = """\
class Pairs(torch.utils.data.Dataset):
    def __init__(self, x):
        self.x = x

    def __get_item__(self, i):
        return self.x[i]
"""
    assert lines("dataset-without-getitem", source) == [1]
    assert lines("dataset-without-getitem", source.replace("__get_item__", "sample")) == []


# ---- more shapes: per-dimension means, buffers before super, batch_size=1 loaders, branches ----

# (detector, broken snippet, line of the finding, (text, the correct twin's text instead))
TWINS = [
    ("backward-on-unreduced", """\
loss = F.mse_loss(pred, target, reduction="none").mean(dim=1)
loss.backward()
""", 2, (".mean(dim=1)", ".mean(dim=1).mean()")),
    ("module-init-not-called", """\
class Block(nn.Module):
    def __init__(self):
        self.register_buffer("mask", torch.ones(3))
        super().__init__()
""", 3, ('self.register_buffer("mask", torch.ones(3))\n        super().__init__()',
         'super().__init__()\n        self.register_buffer("mask", torch.ones(3))')),
    ("batchnorm-single-sample", """\
net = nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 2))
for x, y in DataLoader(ds, batch_size=1):
    out = net(x)
""", 3, ("batch_size=1", "batch_size=8, drop_last=True")),
    ("float-embedding-indices", """\
tokens = torch.Tensor([[1, 5, 7]])
emb = nn.Embedding(10, 3)
emb(tokens)
""", 3, ("torch.Tensor(", "torch.LongTensor(")),
    ("dataparallel-attribute", """\
model = MyModel()
if torch.cuda.device_count() > 1:
    model = nn.DataParallel(model)
model.to(device)
feats = model.extract_features(x)
""", 5, ("model.extract_features(x)", 'model.module.extract_features(x) if hasattr(model, "module") else model(x)')),
    ("backward-on-unreduced", """\
pred = model(x)
loss = -(y * torch.log(pred)).sum(dim=1)
loss.backward()
""", 3, (".sum(dim=1)", ".sum(dim=1).mean()")),
    ("backward-on-unreduced", """\
loss = (model(x) - y) ** 2
loss.backward()
""", 2, ("** 2\n", "** 2\nloss = loss.mean()\n")),
    ("zero-grad-order", """\
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    opt.zero_grad()
    opt.step()
    loss = F.mse_loss(model(x), y)
    loss.backward()
""", 4, ("    opt.step()\n    loss = F.mse_loss(model(x), y)\n    loss.backward()\n",
         "    loss = F.mse_loss(model(x), y)\n    loss.backward()\n    opt.step()\n")),
]


@pytest.mark.parametrize("detector, source, line, fix", TWINS)
def test_more_shapes_of_known_situations_fire(detector, source, line, fix):
    assert lines(detector, source) == [line]


@pytest.mark.parametrize("detector, source, line, fix", TWINS)
def test_the_correct_twins_of_the_shapes_are_quiet(detector, source, line, fix):
    assert fix[0] in source
    assert lines(detector, source.replace(*fix)) == []


# ---- resume-from-weights-only -----------------------------------------------------------------

RESUMED = """\
model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
train(model, opt, epochs=2)
torch.save(model.state_dict(), "ckpt.pt")

model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
model.load_state_dict(torch.load("ckpt.pt"))
train(model, opt, epochs=2)

def train(model, opt, epochs):
    for _ in range(epochs):
        for x, y in batches:
            loss = F.mse_loss(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
"""


@pytest.mark.parametrize("source, line", [
    (RESUMED, 8),
    (RESUMED.replace("model.load_state_dict(torch.load(\"ckpt.pt\"))", "state = torch.load(\"ckpt.pt\")\n"
                     "model.load_state_dict(state)"), 9),
    ("""\
net = Net()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for x, y in loader:
    optimizer.zero_grad(); crit(net(x), y).backward(); optimizer.step()
torch.save(net.state_dict(), "last.pt")
net.load_state_dict(torch.load("last.pt"))
for x, y in loader:
    optimizer.zero_grad(); crit(net(x), y).backward(); optimizer.step()
""", 6),
])
def test_resuming_from_weights_only_fires(source, line):
    assert lines("resume-from-weights-only", source) == [line]


@pytest.mark.parametrize("source", [
    RESUMED.replace('model.load_state_dict(torch.load("ckpt.pt"))',
                    'ckpt = torch.load("ckpt.pt")\nmodel.load_state_dict(ckpt["model"])\nopt.load_state_dict(ckpt["optimizer"])'),
    RESUMED.replace("train(model, opt, epochs=2)\n\ndef", "evaluate(model)\n\ndef"),
    RESUMED.replace('model.load_state_dict(torch.load("ckpt.pt"))',
                    'model.load_state_dict(torch.load("ckpt.pt"), strict=False)'),
])
def test_full_checkpoints_evaluation_or_partial_loads_are_quiet(source):
    assert lines("resume-from-weights-only", source) == []


# ---- graph-reused-across-steps ----------------------------------------------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
total_loss = 0
for x, y in loader:
    loss = criterion(model(x), y)
    total_loss += loss
    optimizer.zero_grad()
    total_loss.backward()
    optimizer.step()
""", 6),
    ("""\
encoder = nn.Linear(4, 8)
head = nn.Linear(8, 1)
feats = encoder(x)
for step in range(10):
    loss = F.mse_loss(head(feats), y)
    loss.backward()
""", 6),
    ("""\
lin = torch.nn.Linear(4, 4)
scaled = lin.weight * 2
for step in range(10):
    out = x @ scaled
    loss = out.pow(2).sum()
    loss.backward()
""", 6),
])
def test_a_graph_backpropagated_on_every_step_fires(source, line):
    assert lines("graph-reused-across-steps", source) == [line]


@pytest.mark.parametrize("source", [
    """\
total = 0
for x, y in loader:
    loss = criterion(model(x), y)
    total += loss.item()
    loss.backward()
""",
    """\
encoder = nn.Linear(4, 8)
head = nn.Linear(8, 1)
with torch.no_grad():
    feats = encoder(x)
for step in range(10):
    loss = F.mse_loss(head(feats), y)
    loss.backward()
""",
    """\
lin = torch.nn.Linear(4, 4)
shifted = lin.weight + 1
for step in range(10):
    feats = encoder(x)
    loss = (feats @ shifted).sum()
    loss.backward()
""",
])
def test_per_step_graphs_or_graphs_without_saved_tensors_are_quiet(source):
    assert lines("graph-reused-across-steps", source) == []



@pytest.mark.parametrize("source, found", [
    ("for xb, yb in train_loader:\n    xb = xb.astype(np.float32)\n", [2]),
    ("loader = DataLoader(ds, batch_size=4)\nfor batch in loader:\n    batch = batch.astype('float32')\n", [3]),
    ("for xb, yb in train_loader:\n    xb = xb.numpy().astype(np.float32)\n", []),
    ("loader = DataLoader(ds, collate_fn=numpy_collate)\nfor batch in loader:\n    batch = batch.astype('f4')\n", []),
    ("for xb, yb in batches:\n    xb = xb.astype(np.float32)\n", []),
])
def test_a_numpy_spelling_on_a_loader_batch(source, found):
    """The default collate hands out tensors; a custom collate or an unknown iterable may not."""
    assert lines("numpy-spelling-on-tensor", source) == found
