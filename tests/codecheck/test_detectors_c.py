"""detectors-C's detectors on pasted code of many shapes: fragments without imports, module classes,
training loops, notebook cells; each fires on its situation and stays quiet on the correct variant
and on look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- loss-summed-with-graph: a running total of loss tensors keeps every graph alive --------------


@pytest.mark.parametrize("source, line", [
    ("""\
model.eval()
val_loss = 0.0
for x, y in val_loader:
    val_loss += F.cross_entropy(model(x), y)
""", 4),
    ("""\
import torch
from torch import nn

criterion = nn.MSELoss()
running = 0
for epoch in range(10):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
        running += loss
    print(epoch, running / len(loader))
""", 12),
    ("""\
class Trainer:
    def evaluate(self, loader):
        total = 0.0
        for batch, labels in loader:
            out = self.model(batch)
            total += torch.nn.functional.nll_loss(out, labels)
        return total / len(loader)
""", 6),
    ("""\
# In [7]:
epoch_loss = 0
for step, (x, y) in enumerate(train_dl):
    l = nn.L1Loss()(net(x), y)
    l.backward(); opt.step(); opt.zero_grad()
    epoch_loss += l
""", 6),
])
def test_a_running_total_of_loss_tensors_fires(source, line):
    assert lines("loss-summed-with-graph", source) == [line]


@pytest.mark.parametrize("source", [
    """\
val_loss = 0.0
for x, y in val_loader:
    val_loss += F.cross_entropy(model(x), y).item()
""",
    """\
model.eval()
val_loss = 0.0
with torch.no_grad():
    for x, y in val_loader:
        val_loss += F.cross_entropy(model(x), y)
""",
    """\
loss = 0
for head, target in zip(heads, targets):
    loss += F.cross_entropy(head(features), target)
loss.backward()
""",
    """\
total = 0
for x, y in loader:
    total += (model(x).argmax(1) == y).sum()
""",
    """\
@torch.no_grad()
def evaluate(model, loader):
    total = 0.0
    for x, y in loader:
        loss = criterion(model(x), y)
        total += loss
    return total
""",
])
def test_a_total_of_floats_or_a_multi_term_loss_is_quiet(source):
    """`.item()`; under no_grad; the terms of one loss that is backpropagated; a count of correct
    predictions; a no_grad evaluation function."""
    assert lines("loss-summed-with-graph", source) == []


# ---- log-of-unclamped-probability: log(sigmoid/softmax) in a hand-written loss --------------------


@pytest.mark.parametrize("source, line", [
    ("""\
p = torch.sigmoid(model(X).squeeze(1))
loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
""", 2),
    ("""\
import torch.nn.functional as F

class PolicyLoss:
    def __call__(self, logits, actions, advantages):
        probs = F.softmax(logits, dim=-1)
        logp = probs.log()[torch.arange(len(actions)), actions]
        return -(logp * advantages).mean()
""", 6),
    ("""\
for xb, yb in loader:
    out = net(xb).sigmoid()
    loss = -(yb * out.log() + (1 - yb) * (1 - out).log()).mean()
    opt.zero_grad(); loss.backward(); opt.step()
""", 3),
    ("""\
# cell 4
probs = torch.softmax(scores, 1)
entropy = -(probs * torch.log(probs)).sum(1)
""", 3),
])
def test_a_log_of_a_probability_fires(source, line):
    assert lines("log-of-unclamped-probability", source) == [line]


@pytest.mark.parametrize("source", [
    """\
p = torch.sigmoid(model(X).squeeze(1))
loss = -(y * torch.log(p + 1e-8) + (1 - y) * torch.log(1 - p + 1e-8)).mean()
""",
    """\
p = torch.sigmoid(logits).clamp(1e-7, 1 - 1e-7)
loss = -(y * torch.log(p)).mean()
""",
    """\
logp = F.log_softmax(logits, dim=1)
loss = -logp[range(n), y].mean()
""",
    """\
import math
p = torch.sigmoid(z)
bits = math.log(2)
scale = torch.log(torch.tensor(10.0))
""",
    """\
var = F.softplus(raw)
nll = 0.5 * torch.log(var) + (y - mu) ** 2 / (2 * var)
""",
])
def test_a_clamped_or_stable_log_is_quiet(source):
    """An epsilon; a clamped probability; log_softmax; math.log and a log of a constant; the log of a
    softplus (never exactly zero in practice, and not a probability)."""
    assert lines("log-of-unclamped-probability", source) == []


def test_the_terms_of_one_returned_loss_are_quiet():
    """A loss summed over the codebooks (or heads) of one batch and returned: no batch loop."""
    assert lines("loss-summed-with-graph", """\
def forward(self, logits, labels):
    loss = 0
    for codebook in range(self.num_codebooks):
        loss += self.loss_fct(logits[:, codebook], labels[:, codebook])
    return loss / self.num_codebooks
""") == []


# ---- pack-lengths-on-device: pack_padded_sequence with lengths moved to the GPU -------------------


@pytest.mark.parametrize("source, line", [
    ("""\
tokens, lengths = tokens.to(device), lengths.to(device)
packed = nn.utils.rnn.pack_padded_sequence(embedding(tokens), lengths, batch_first=True)
""", 2),
    ("""\
from torch.nn.utils.rnn import pack_padded_sequence

class Encoder(nn.Module):
    def forward(self, x, lengths):
        emb = self.emb(x)
        packed = pack_padded_sequence(emb, lengths.cuda(), batch_first=True, enforce_sorted=False)
        return self.rnn(packed)
""", 6),
    ("""\
for batch in loader:
    batch = {k: v.to(device) for k, v in batch.items()}
    packed = pack_padded_sequence(model.emb(batch["tokens"]), batch["lengths"], batch_first=True)
""", 3),
    ("""\
# In [3]:
seq_lens = seq_lens.to("cuda")
out = torch.nn.utils.rnn.pack_padded_sequence(x, lengths=seq_lens, batch_first=True)
""", 3),
])
def test_lengths_moved_to_the_gpu_fire(source, line):
    assert lines("pack-lengths-on-device", source) == [line]


@pytest.mark.parametrize("source", [
    """\
lengths = torch.tensor([4, 2, 1])
tokens = tokens.to(device)
packed = nn.utils.rnn.pack_padded_sequence(embedding(tokens), lengths, batch_first=True)
""",
    """\
packed = pack_padded_sequence(self.emb(x), lengths.cpu(), batch_first=True, enforce_sorted=False)
""",
    """\
batch = {k: v.to(device) for k, v in batch.items() if k != "lengths"}
packed = pack_padded_sequence(model.emb(batch["tokens"]), lengths, batch_first=True)
""",
    """\
lengths = lengths.to("cpu")
packed = pack_padded_sequence(x, lengths, batch_first=True)
""",
    """\
lengths = lengths.to(torch.int64)
packed = pack_padded_sequence(x, lengths, batch_first=True)
""",
])
def test_lengths_on_the_cpu_are_quiet(source):
    """Lengths left on the CPU; moved back with .cpu() / .to("cpu"); a dtype conversion; a batch dict
    that leaves the lengths out of the move."""
    assert lines("pack-lengths-on-device", source) == []


# ---- meta-model-moved: a model built on the meta device moved with .to() -------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
with torch.device("meta"):
    model = Classifier()
model.load_state_dict(state_dict)
model = model.to("cpu")
""", 4),
    ("""\
import torch
from accelerate import init_empty_weights

def load(config, path):
    with init_empty_weights():
        model = BigModel(config)
    model.cuda()
    return model
""", 7),
    ("""\
class Loader:
    def build(self):
        with torch.device("meta"):
            net = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))
        net.load_state_dict(torch.load("w.pt"), strict=False)
        return net.to(self.device)
""", 6),
])
def test_a_meta_model_moved_fires(source, line):
    assert lines("meta-model-moved", source) == [line]


@pytest.mark.parametrize("source", [
    """\
with torch.device("meta"):
    model = Classifier()
model.load_state_dict(state_dict, assign=True)
model = model.to("cpu")
""",
    """\
with torch.device("meta"):
    model = Classifier()
model = model.to_empty(device="cuda")
model.load_state_dict(state_dict)
model.cuda()
""",
    """\
with torch.device("cuda"):
    model = Classifier()
model.to("cuda:1")
""",
    """\
with torch.device("meta"):
    layer = nn.Linear(4, 4)
layer.weight = nn.Parameter(weight)
layer.bias = nn.Parameter(bias)
layer.to(weight.device)
""",
])
def test_a_meta_model_given_storage_first_is_quiet(source):
    """An assigning load; to_empty first; a real device context; parameters set by hand."""
    assert lines("meta-model-moved", source) == []


# ---- feature-map-into-linear: a conv/pool output reaches a Linear without a flatten ---------------


@pytest.mark.parametrize("source, line", [
    ("""\
model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.LazyLinear(10),
)
""", 4),
    ("""\
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(6 * 14 * 14, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        return self.fc1(x)
""", 13),
    ("""\
class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(32, 5))

    def forward(self, images):
        feats = self.features(images)
        return self.classifier(feats)
""", 9),
    ("""\
# In [5]:
conv = nn.Conv2d(1, 4, 3)
fc = nn.Linear(4 * 13 * 13, 10)
for images, labels in loader:
    h = F.max_pool2d(F.relu(conv(images)), 2)
    logits = fc(h)
    loss = F.cross_entropy(logits, labels)
""", 6),
])
def test_a_feature_map_into_linear_fires(source, line):
    assert lines("feature-map-into-linear", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 26 * 26, 10))
""",
    """\
class Net(nn.Module):
    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = torch.flatten(x, 1)
        return self.fc1(x)
""",
    """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        x = self.features(x)
        return self.fc(x.view(x.size(0), -1))
""",
    """\
temporal = nn.Sequential(nn.Conv1d(8, 16, 3), nn.ReLU(), nn.Linear(30, 30))
""",
    """\
block = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Dropout(), nn.Linear(8, 2))
""",
])
def test_a_flattened_feature_map_is_quiet(source):
    """nn.Flatten; torch.flatten; .view(N, -1); a Conv1d's length axis taken by a Linear on purpose;
    a flatten before dropout and the head."""
    assert lines("feature-map-into-linear", source) == []


# ---- collective-on-some-ranks: a collective inside a branch on the rank ---------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
if rank == 0:
    acc = evaluate(model, val_loader)
    dist.all_reduce(acc)
""", 3),
    ("""\
import torch.distributed as dist

def save_checkpoint(model, args):
    if args.local_rank in (-1, 0):
        torch.save(model.module.state_dict(), "best.pt")
        dist.barrier()
""", 6),
    ("""\
for epoch in range(epochs):
    train_one_epoch(model, loader)
    if torch.distributed.get_rank() == 0:
        stats = torch.tensor([correct, total])
        torch.distributed.reduce(stats, dst=0)
        print(stats)
""", 5),
    ("""\
class Trainer:
    def log(self, value):
        if not self.rank:
            gathered = [torch.zeros_like(value) for _ in range(self.world_size)]
            dist.all_gather(gathered, value)
""", 5),
])
def test_a_collective_on_some_ranks_fires(source, line):
    assert lines("collective-on-some-ranks", source) == [line]


@pytest.mark.parametrize("source", [
    """\
dist.all_reduce(acc)
if rank == 0:
    print(acc / world_size)
""",
    """\
if dist.get_rank() == 0:
    dist.broadcast(weights, src=0)
else:
    dist.broadcast(weights, src=0)
""",
    """\
def zero_first(local_rank):
    if local_rank not in [-1, 0]:
        dist.barrier()
    yield
    if local_rank == 0:
        dist.barrier()
""",
    """\
if rank == 0:
    values = functools.reduce(operator.add, parts)
    frames = pandas_frame.gather(axis=1)
""",
    """\
if rank == 0:
    dist.all_reduce(acc)
    return acc
""",
])
def test_collectives_on_every_rank_are_quiet(source):
    """A collective outside the branch; both branches calling it; ranks taking turns at a barrier; a
    reduce/gather that is not torch.distributed's; a branch that returns (an early exit)."""
    assert lines("collective-on-some-ranks", source) == []


# ---- uneven-rank-shards: data[rank::world_size] with a remainder under DDP ------------------------


@pytest.mark.parametrize("source, line", [
    ("""\
WORLD_SIZE = 2
data = torch.randn(9, 8)
shard = data[rank::WORLD_SIZE]
model = nn.parallel.DistributedDataParallel(nn.Linear(8, 1))
""", 3),
    ("""\
import torch
from torch.nn.parallel import DistributedDataParallel as DDP

def run(rank):
    ids = torch.arange(1001)
    mine = ids[rank::4]
    model = DDP(Net())
    for batch in mine.split(16):
        model(batch).sum().backward()
""", 6),
    ("""\
class Worker:
    def setup(self):
        features = torch.rand((250, 3))
        self.local = features[self.rank::3]
        self.model = torch.nn.parallel.DistributedDataParallel(self.net)
""", 4),
])
def test_an_uneven_manual_shard_fires(source, line):
    assert lines("uneven-rank-shards", source) == [line]


@pytest.mark.parametrize("source", [
    """\
data = torch.randn(8, 8)
shard = data[rank::2]
model = nn.parallel.DistributedDataParallel(nn.Linear(8, 1))
""",
    """\
data = torch.randn(9, 8)
shard = data[rank::2]
model = nn.Linear(8, 1)
""",
    """\
data = torch.randn(n, 8)
shard = data[rank::world_size]
model = nn.parallel.DistributedDataParallel(nn.Linear(8, 1))
""",
    """\
data = torch.randn(9, 8)
head = data[rank:4:2]
model = nn.parallel.DistributedDataParallel(nn.Linear(8, 1))
""",
])
def test_an_even_or_unknown_shard_is_quiet(source):
    """An even split; no DDP; sizes not known; a bounded slice."""
    assert lines("uneven-rank-shards", source) == []


# ---- compiled-loop-count-changes: a compiled range(n) loop called with a changing n ---------------

ROLLOUT = """\
def rollout(x, steps):
    for _ in range(steps):
        x = torch.tanh(x @ w)
    return x

for horizon in range(1, 12):
    out = rollout(x0, horizon)
"""


@pytest.mark.parametrize("source, line", [
    ("@torch.compile\n" + ROLLOUT, 8),
    ("""\
import torch

def unroll(cell, h, n):
    for _ in range(n):
        h = cell(h)
    return h

fast_unroll = torch.compile(unroll, mode="reduce-overhead")

def train(cell, h0, schedule):
    for length in schedule:
        loss = fast_unroll(cell, h0, n=length).pow(2).mean()
        loss.backward()
""", 12),
    ("""\
@torch.compile(backend="inductor")
def diffuse(x, k):
    for i in range(k):
        x = x + torch.randn_like(x) * 0.1
    return x

for epoch in range(epochs):
    for k in [1, 2, 4, 8, 16, 32, 64, 128, 256]:
        samples = diffuse(noise, k)
""", 9),
])
def test_a_compiled_loop_count_that_changes_fires(source, line):
    assert lines("compiled-loop-count-changes", source) == [line]


@pytest.mark.parametrize("source", [
    """\
@torch.compile
def step(x):
    return torch.tanh(x @ w)

def rollout(x, steps):
    for _ in range(steps):
        x = step(x)
    return x

for steps in range(1, 12):
    out = rollout(x0, steps)
""",
    """\
@torch.compile
def rollout(x, steps):
    for _ in range(steps):
        x = torch.tanh(x @ w)
    return x

for batch in loader:
    out = rollout(batch, 4)
""",
    ROLLOUT,
    """\
@torch.compile
def scale(x, factor):
    return x * factor

for factor in range(10):
    y = scale(x, factor)
""",
])
def test_a_fixed_count_or_an_uncompiled_loop_is_quiet(source):
    """The loop body compiled alone; a fixed count; no compile; an int argument that no loop runs over
    (dynamo makes it dynamic after one recompile)."""
    assert lines("compiled-loop-count-changes", source) == []


# ---- reentrant-checkpoint-reused-under-ddp: one module checkpointed twice under dynamic DDP -------

SHARED_BLOCK = """\
class SharedBlockNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(16, 16), nn.ReLU())

    def forward(self, x):
        x = checkpoint(self.block, x{reentrant})
        x = checkpoint(self.block, x{reentrant})
        return x

"""


@pytest.mark.parametrize("source, line", [
    (SHARED_BLOCK.format(reentrant=", use_reentrant=True")
     + "model = nn.parallel.DistributedDataParallel(SharedBlockNet(), find_unused_parameters=True)\n", 8),
    ("""\
import torch.utils.checkpoint as cp
from torch.nn.parallel import DistributedDataParallel as DDP

class Albert(nn.Module):
    def forward(self, h):
        for _ in range(self.num_layers):
            h = cp.checkpoint(self.layer, h)
        return h

model = DDP(Albert().cuda(), device_ids=[rank], find_unused_parameters=True)
""", 7),
    ("""\
# In [2]:
def forward(self, a, b):
    fa = torch.utils.checkpoint.checkpoint(self.encoder, a, use_reentrant=True)
    fb = torch.utils.checkpoint.checkpoint(self.encoder, b, use_reentrant=True)
    return self.head(fa - fb)
ddp = torch.nn.parallel.DistributedDataParallel(Siamese(), find_unused_parameters=True)
""", 4),
])
def test_a_shared_module_checkpointed_reentrantly_under_ddp_fires(source, line):
    assert lines("reentrant-checkpoint-reused-under-ddp", source) == [line]


@pytest.mark.parametrize("source", [
    SHARED_BLOCK.format(reentrant=", use_reentrant=False")
    + "model = nn.parallel.DistributedDataParallel(SharedBlockNet(), find_unused_parameters=True)\n",
    SHARED_BLOCK.format(reentrant=", use_reentrant=True")
    + "model = nn.parallel.DistributedDataParallel(SharedBlockNet(), find_unused_parameters=True, static_graph=True)\n",
    SHARED_BLOCK.format(reentrant=", use_reentrant=True") + "model = SharedBlockNet()\n",
    """\
class Net(nn.Module):
    def forward(self, x):
        x = checkpoint(self.block1, x, use_reentrant=True)
        x = checkpoint(self.block2, x, use_reentrant=True)
        return x
model = DDP(Net(), find_unused_parameters=True)
""",
])
def test_non_reentrant_static_or_single_use_checkpoints_are_quiet(source):
    """use_reentrant=False; static_graph=True; no DDP; two different blocks, each checkpointed once."""
    assert lines("reentrant-checkpoint-reused-under-ddp", source) == []


# ---- embedding-sized-before-vocab-grows: len(vocab) taken before the specials are added -----------


@pytest.mark.parametrize("source, line", [
    ("""\
vocab = {w: i for i, w in enumerate(sorted(set(words)))}
emb_size = len(vocab)
vocab["<pad>"] = len(vocab)
vocab["<unk>"] = len(vocab)

class BagClassifier(nn.Module):
    def __init__(self, num_embeddings, dim=8):
        super().__init__()
        self.emb = nn.Embedding(num_embeddings, dim)

model = BagClassifier(emb_size)
""", 11),
    ("""\
import torch.nn as nn

def build(tokens):
    itos = sorted(set(tokens))
    embedding = nn.Embedding(len(itos), 64)
    itos.append("<eos>")
    return embedding, itos
""", 5),
    ("""\
# In [4]:
vocab_size = len(word2idx)
word2idx.update({"<pad>": vocab_size, "<unk>": vocab_size + 1})
emb = torch.nn.Embedding(vocab_size, 100, padding_idx=0)
""", 4),
])
def test_a_table_sized_before_the_vocab_grows_fires(source, line):
    assert lines("embedding-sized-before-vocab-grows", source) == [line]


@pytest.mark.parametrize("source", [
    """\
vocab = {w: i for i, w in enumerate(sorted(set(words)))}
vocab["<pad>"] = len(vocab)
vocab["<unk>"] = len(vocab)
emb = nn.Embedding(len(vocab), 8)
""",
    """\
vocab_size = len(word2idx)
emb = nn.Embedding(vocab_size + 2, 100)
word2idx.update({"<pad>": vocab_size, "<unk>": vocab_size + 1})
""",
    """\
n = len(vocab)
vocab = dict(vocab, pad=n)
emb = nn.Embedding(n + 1, 16)
""",
    """\
size = len(vocab)
counts["the"] = 3
emb = nn.Embedding(size, 16)
""",
])
def test_a_table_sized_for_the_whole_vocab_is_quiet(source):
    """Sized after the specials; room left for them; a size with a margin; another dict that grows."""
    assert lines("embedding-sized-before-vocab-grows", source) == []


# ---- channel-mask-into-cross-entropy: an integer [N, 1, H, W] mask as the target -----------------


@pytest.mark.parametrize("source, line", [
    ("""\
masks = torch.randint(0, C, (N, 1, H, W))
loss = nn.CrossEntropyLoss()(model(images), masks)
""", 2),
    ("""\
import torch
import torch.nn.functional as F

def dummy_step(model):
    images = torch.randn(4, 3, 64, 64)
    target = torch.zeros(4, 1, 64, 64, dtype=torch.long)
    return F.cross_entropy(model(images), target)
""", 7),
    ("""\
criterion = nn.CrossEntropyLoss(ignore_index=255)
for step in range(100):
    x = torch.randn(2, 3, 32, 32)
    y = torch.randint(num_classes, size=[2, 1, 32, 32])
    loss = criterion(unet(x), y)
""", 5),
])
def test_a_mask_with_a_channel_axis_fires(source, line):
    assert lines("channel-mask-into-cross-entropy", source) == [line]


@pytest.mark.parametrize("source", [
    """\
masks = torch.randint(0, C, (N, 1, H, W))
loss = nn.CrossEntropyLoss()(model(images), masks.squeeze(1))
""",
    """\
masks = torch.randint(0, C, (N, H, W))
loss = nn.CrossEntropyLoss()(model(images), masks)
""",
    """\
soft = torch.zeros(4, 1, 64, 64)
loss = F.cross_entropy(logits, soft)
""",
    """\
mask = torch.randint(0, 2, (4, 1, 64, 64)).float()
loss = F.binary_cross_entropy_with_logits(logits, mask)
""",
])
def test_a_mask_of_class_ids_is_quiet(source):
    """squeeze(1); a 3-D mask; a float target (probabilities); a binary mask for BCE."""
    assert lines("channel-mask-into-cross-entropy", source) == []


# ---- loss-on-half-model-output: a float16 loss on a model converted whole with .half() ------------


@pytest.mark.parametrize("source, line", [
    ("""\
model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1)).half()
pred = model(x.half())
loss = F.mse_loss(pred, y.half())
""", 3),
    ("""\
import torch
from torch import nn

net = Regressor()
net.half()
criterion = nn.MSELoss()
for xb, yb in loader:
    out = net(xb.half())
    loss = criterion(out, yb.half())
    loss.backward()
""", 9),
    ("""\
class Trainer:
    def step(self, batch, labels):
        logits = self.model(batch)
        return torch.nn.functional.cross_entropy(logits, labels)

    def setup(self):
        self.model = build_model().to(torch.float16)
""", 4),
])
def test_a_float16_loss_on_a_half_model_fires(source, line):
    assert lines("loss-on-half-model-output", source) == [line]


@pytest.mark.parametrize("source", [
    """\
model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1)).half()
pred = model(x.half())
loss = F.mse_loss(pred.float(), y)
""",
    """\
model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
with torch.autocast("cuda", dtype=torch.float16):
    pred = model(x)
loss = F.mse_loss(pred.float(), y)
""",
    """\
model = Net().to(torch.bfloat16)
loss = F.mse_loss(model(x), y)
""",
    """\
model.half()
export(model)
model.float()
loss = F.cross_entropy(model(x), y)
""",
])
def test_a_float32_loss_or_autocast_is_quiet(source):
    """The loss on pred.float(); autocast with float32 weights; bfloat16; a model converted back."""
    assert lines("loss-on-half-model-output", source) == []


# ---- rgb-normalize-on-grayscale: three ImageNet means for one-channel images ----------------------


@pytest.mark.parametrize("source, line", [
    ("""\
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])
train_set = datasets.MNIST("data", train=True, download=True, transform=transform)
""", 3),
    ("""\
import torchvision.transforms as T
from torchvision.datasets import ImageFolder

xray = ImageFolder("scans/", transform=T.Compose([T.Grayscale(), T.Resize(224), T.ToTensor(),
                                                 T.Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))]))
""", 5),
    ("""\
# In [2]:
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
loader = DataLoader(torchvision.datasets.FashionMNIST(
    root, transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])),
    batch_size=64)
""", 4),
])
def test_three_means_on_grayscale_images_fire(source, line):
    assert lines("rgb-normalize-on-grayscale", source) == [line]


SCANS = """\
class Scans(Dataset):
    def __init__(self, transform):
        self.images = torch.rand(100, {channels}, 64, 64)
        self.transform = transform

    def __getitem__(self, i):
        return self.transform(self.images[i])

"""


def test_three_means_for_a_dataset_class_of_one_channel_images_fire():
    source = SCANS.format(channels=1) + "data = Scans(Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))\n"
    assert lines("rgb-normalize-on-grayscale", source) == [9]


def test_three_means_for_a_dataset_class_of_colour_images_are_quiet():
    source = SCANS.format(channels=3) + "data = Scans(Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))\n"
    assert lines("rgb-normalize-on-grayscale", source) == []


@pytest.mark.parametrize("source", [
    """\
transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
train_set = datasets.MNIST("data", train=True, download=True, transform=transform)
""",
    """\
transform = T.Compose([T.Grayscale(num_output_channels=3), T.ToTensor(),
                       T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
""",
    """\
transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
train_set = datasets.CIFAR10("data", train=True, download=True, transform=transform)
""",
    """\
transform = transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda x: x.repeat(3, 1, 1)),
                                transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
train_set = datasets.MNIST("data", transform=transform)
""",
])
def test_per_channel_stats_that_fit_are_quiet(source):
    """One mean for MNIST; Grayscale to 3 channels; a colour dataset; a Lambda that repeats the channel."""
    assert lines("rgb-normalize-on-grayscale", source) == []


# ---- batchnorm-mlp-given-one-vector: a 1-D sample through an MLP with BatchNorm1d -----------------

SENSOR_NET = """\
class SensorNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 128)
        self.bn1 = nn.BatchNorm1d(128)
        self.fc2 = nn.Linear(128, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.bn1(self.fc1(x))))

model = SensorNet()
"""


@pytest.mark.parametrize("source, line", [
    (SENSOR_NET + "reading = torch.randn(12)\nprobs = model(reading)\n", 13),
    ("""\
import torch
import torch.nn as nn

mlp = nn.Sequential(nn.Linear(4, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 1))
features = torch.randn(500, 4)
for i in range(10):
    print(mlp(features[i]))
""", 7),
    ("""\
# In [9]:
net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 2))
out = net(torch.tensor([0.2, 1.5, -0.3]))
""", 3),
    ("""\
class Rows(Dataset):
    def __init__(self, frame):
        self.frame = frame
        self.norm = nn.BatchNorm1d(6)

    def __getitem__(self, pos):
        values = self.frame.iloc[pos].to_numpy().astype("float32")
        return self.norm(torch.as_tensor(values))
""", 8),
    ("""\
sample = torch.tensor(table.iloc[k].values, dtype=torch.float32)
h = self.bn0(sample)          # nn.BatchNorm1d(16)
""", 2),
])
def test_one_vector_through_a_batchnorm_mlp_fires(source, line):
    assert lines("batchnorm-mlp-given-one-vector", source) == [line]


@pytest.mark.parametrize("source", [
    SENSOR_NET + "probs = model(torch.randn(12).unsqueeze(0))\n",
    SENSOR_NET + "probs = model(torch.randn(16, 12))\n",
    """\
mlp = nn.Sequential(nn.Linear(4, 32), nn.LayerNorm(32), nn.ReLU(), nn.Linear(32, 1))
out = mlp(torch.randn(4))
""",
    """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 8)
        self.bn = nn.BatchNorm1d(8)

    def forward(self, x):
        return self.bn(self.fc(x.unsqueeze(0)))

net = Net()
out = net(torch.randn(12))
""",
    """\
mlp = nn.Sequential(nn.Linear(4, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 1))
features = torch.randn(500, 4)
out = mlp(features[idx])
""",
    """\
batch = torch.tensor(table.iloc[rows].values, dtype=torch.float32)
h = self.bn0(batch)          # nn.BatchNorm1d(16)
one = torch.tensor(table.iloc[k].values, dtype=torch.float32)
h = self.bn0(one.unsqueeze(0))          # nn.BatchNorm1d(16)
""",
])
def test_a_batch_or_a_model_that_adds_the_batch_axis_is_quiet(source):
    """unsqueeze(0); a real batch; LayerNorm instead of BatchNorm; a forward that adds the axis; an
    index of unknown kind (a tensor of indices selects a batch)."""
    assert lines("batchnorm-mlp-given-one-vector", source) == []


# ---- flat-rows-into-conv: a 2-D tensor given to a model that starts with a Conv2d -----------------

CNN = """\
model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
"""


@pytest.mark.parametrize("source, line", [
    (CNN + """\
pixels = torch.rand(128, 784)
loader = DataLoader(TensorDataset(pixels, labels), batch_size=32)
for xb, yb in loader:
    loss = F.cross_entropy(model(xb), yb)
""", 5),
    ("""\
import torch
import torch.nn as nn

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)

    def forward(self, x):
        return self.conv1(x)

net = LeNet()
out = net(torch.randn(64, 784))
""", 13),
    (CNN + """\
# In [3]:
img = torch.rand(28, 28)
logits = model(img)
""", 4),
])
def test_a_two_dimensional_input_into_a_conv_model_fires(source, line):
    assert lines("flat-rows-into-conv", source) == [line]


@pytest.mark.parametrize("source", [
    CNN + """\
pixels = torch.rand(128, 1, 28, 28)
loader = DataLoader(TensorDataset(pixels, labels), batch_size=32)
for xb, yb in loader:
    loss = F.cross_entropy(model(xb), yb)
""",
    CNN + """\
pixels = torch.rand(128, 784)
loader = DataLoader(TensorDataset(pixels, labels), batch_size=32)
for xb, yb in loader:
    loss = F.cross_entropy(model(xb.view(-1, 1, 28, 28)), yb)
""",
    """\
model = nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 16, 3), nn.Flatten(), nn.LazyLinear(10))
out = model(torch.rand(32, 784))
""",
    """\
mlp = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
conv = nn.Conv2d(1, 8, 3)
out = mlp(torch.rand(32, 784))
""",
])
def test_images_with_their_axes_are_quiet(source):
    """[N, 1, H, W] tensors; rows reshaped in the call; an Unflatten first; an MLP beside a conv."""
    assert lines("flat-rows-into-conv", source) == []


# ---- checkpoint-from-other-sizes / checkpoint-from-other-layers: one class, two configs -----------

HEADS = """\
class Classifier(nn.Module):
    def __init__(self, num_classes=4, mlp_head=False):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU())
        if mlp_head:
            self.head = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, num_classes))
        else:
            self.head = nn.Linear(64, num_classes)

"""


@pytest.mark.parametrize("source, line", [
    (HEADS + """\
pretrained = Classifier(num_classes=10)
torch.save(pretrained.state_dict(), "src.pt")
model = Classifier(num_classes=3)
model.load_state_dict(torch.load("src.pt"), strict=False)
""", 13),
    (HEADS + """\
# In [6]:
teacher = Classifier(10)
weights = teacher.state_dict()
student = Classifier(2)
student.load_state_dict(weights)
""", 14),
    ("""\
import torch
from torch import nn

class Tagger(nn.Module):
    def __init__(self, vocab_size, dim=32):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim)

def reload():
    old = Tagger(5000)
    new = Tagger(5200)
    new.load_state_dict(old.state_dict())
    return new
""", 12),
])
def test_weights_loaded_across_sizes_fire(source, line):
    assert lines("checkpoint-from-other-sizes", source) == [line]


@pytest.mark.parametrize("source, line", [
    (HEADS + """\
trained = Classifier(mlp_head=True)
torch.save(trained.state_dict(), path)
model = Classifier()
model.load_state_dict(torch.load(path, weights_only=True))
""", 13),
    ("""\
class Encoder(nn.Module):
    def __init__(self, use_norm):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8) if use_norm else nn.Identity()

a = Encoder(use_norm=True)
b = Encoder(use_norm=False)
b.load_state_dict(a.state_dict())
""", 9),
    (HEADS + """\
for_eval = Classifier(mlp_head=False)
best = Classifier(mlp_head=True)
for_eval.load_state_dict(best.state_dict())
""", 12),
])
def test_weights_loaded_across_layer_choices_fire(source, line):
    assert lines("checkpoint-from-other-layers", source) == [line]


@pytest.mark.parametrize("source", [
    HEADS + """\
trained = Classifier(num_classes=10, mlp_head=True)
torch.save(trained.state_dict(), path)
model = Classifier(num_classes=10, mlp_head=True)
model.load_state_dict(torch.load(path))
""",
    HEADS + """\
pretrained = Classifier(num_classes=10)
state = pretrained.state_dict()
model = Classifier(num_classes=3)
own = model.state_dict()
model.load_state_dict({k: v for k, v in state.items() if v.shape == own[k].shape}, strict=False)
""",
    HEADS + """\
pretrained = Classifier(mlp_head=True)
model = Classifier()
model.load_state_dict(torch.load("other_run.pt"))
""",
    HEADS + """\
small = Classifier(num_classes=5)
torch.save(small.state_dict(), "small.pt")
large = Classifier(num_classes=8)
weights = torch.load("small.pt")
fresh = large.head.weight.detach().clone()
fresh[:5] = weights["head.weight"]
weights["head.weight"] = fresh
weights.pop("head.bias")
large.load_state_dict(weights, strict=False)
""",
])
def test_weights_loaded_into_the_same_config_are_quiet(source):
    """The same arguments; a dict filtered to the matching shapes; a checkpoint this code did not save
    from the other instance; a loaded dict whose resized tensors the code puts in place itself."""
    assert lines("checkpoint-from-other-sizes", source) == []
    assert lines("checkpoint-from-other-layers", source) == []


def test_a_layer_choice_loaded_without_strict_is_quiet():
    source = HEADS + """\
trained = Classifier(mlp_head=True)
model = Classifier()
model.load_state_dict(trained.state_dict(), strict=False)
"""
    assert lines("checkpoint-from-other-layers", source) == []
