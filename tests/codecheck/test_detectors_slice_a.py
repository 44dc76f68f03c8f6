"""Detectors widened or narrowed for the pasted-code dev slice "a": each fires on its situation in
snippets of many shapes and stays quiet on the correct variant and on look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- loss-on-half-model-output: quiet when the half model is fed a raw float32 batch ------------


@pytest.mark.parametrize("source", [
    """\
net = Denoiser().cuda().half()
for noisy, clean in train_loader:
    noisy = noisy.cuda()
    restored = net(noisy)
    loss = F.mse_loss(restored, clean.cuda())
""",
    """\
model = VAE().to(dev).half()
for step, imgs in enumerate(loader):
    out = model(imgs.to(dev))
    loss = F.mse_loss(out, imgs)
""",
])
def test_a_half_model_given_a_float32_batch_is_not_an_overflow(source):
    """The forward fails on float32 input against float16 weights before any loss is computed."""
    assert lines("loss-on-half-model-output", source) == []


def test_a_half_model_given_a_batch_made_half_still_overflows():
    source = """\
net = Denoiser().cuda().half()
for noisy, clean in train_loader:
    restored = net(noisy.cuda().half())
    loss = F.mse_loss(restored, clean.cuda().half())
"""
    assert lines("loss-on-half-model-output", source) == [4]


# ---- numpy-on-device-tensor: through the output of a model run on a moved input ------------------


@pytest.mark.parametrize("source, line", [
    ("""\
classifier.eval()
scores = []
for batch in test_loader:
    batch = batch.cuda()
    labels = classifier(batch).argmax(dim=-1)
    scores.append(labels.numpy())
""", 6),
    ("""\
class Tagger(nn.Module):
    def forward(self, x):
        return self.fc(x)

tagger = Tagger()
emb = features.to("cuda:0")
tags = tagger(emb).detach().numpy()
""", 7),
])
def test_numpy_on_a_model_output_from_a_device_input_fires(source, line):
    assert lines("numpy-on-device-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
classifier.eval()
for batch in test_loader:
    batch = batch.cuda()
    labels = classifier(batch).argmax(dim=-1).cpu()
    print(labels.numpy())
""",
    """\
classifier.eval()
for batch in test_loader:
    labels = classifier(batch.cuda().cpu()).argmax(dim=-1)
    print(labels.numpy())
""",
    """\
batch = batch.cuda()
labels = summarize(batch).numpy()
""",
])
def test_numpy_after_cpu_or_on_an_unknown_function_is_quiet(source):
    """.cpu() before .numpy(); a CPU input; a function that is not known to be a model."""
    assert lines("numpy-on-device-tensor", source) == []


# ---- model-never-moved: inputs moved to the GPU, the model built here left on the CPU -----------


@pytest.mark.parametrize("source, line", [
    ("""\
net = torchvision.models.mobilenet_v3_small(num_classes=3)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step, (frames, targets) in enumerate(loader):
    frames, targets = frames.cuda(), targets.cuda()
    logits = net(frames)
    loss = F.cross_entropy(logits, targets)
""", 5),
    ("""\
import torch
from torch import nn

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 1)

    def forward(self, x):
        return self.body(x)

regressor = Regressor()
device = torch.device("cuda")
sample = torch.randn(4, 6).to(device)
print(regressor(sample))
""", 15),
])
def test_a_model_never_moved_given_gpu_inputs_fires(source, line):
    assert lines("model-never-moved", source) == [line]


@pytest.mark.parametrize("source", [
    """\
net = torchvision.models.mobilenet_v3_small(num_classes=3)
net.to("cuda")
for frames, targets in loader:
    frames, targets = frames.cuda(), targets.cuda()
    logits = net(frames)
""",
    """\
net = torchvision.models.mobilenet_v3_small(num_classes=3).cuda()
for frames, targets in loader:
    frames = frames.cuda()
    logits = net(frames)
""",
    """\
net = torchvision.models.mobilenet_v3_small(num_classes=3)
net = nn.DataParallel(net).cuda()
for frames, targets in loader:
    logits = net(frames.cuda())
""",
    """\
net = torchvision.models.mobilenet_v3_small(num_classes=3)
trainer.fit(net)
frames = frames.cuda()
logits = net(frames)
""",
    """\
net = torchvision.models.mobilenet_v3_small(num_classes=3)
for frames, targets in loader:
    frames = frames.to("cpu")
    logits = net(frames)
""",
])
def test_a_moved_model_or_cpu_inputs_are_quiet(source):
    """Moved by name; moved where built; wrapped and moved; handed to a trainer; inputs on the CPU."""
    assert lines("model-never-moved", source) == []


# ---- batch-field-not-moved: one field of a dict batch left on the CPU beside moved ones ----------


@pytest.mark.parametrize("source, line", [
    ("""\
encoder = encoder.to(dev)
for sample in val_loader:
    pixels = sample["pixel_values"].to(dev)
    boxes = sample["boxes"]
    pred = encoder(pixels, boxes)
""", 5),
    ("""\
class Runner:
    def epoch(self):
        for batch in self.loader:
            tokens = batch["tokens"].cuda()
            segments = batch["segment_ids"]
            out = self.bert(tokens, segments)
            out.sum().backward()
""", 6),
])
def test_a_batch_field_left_on_the_cpu_fires(source, line):
    assert lines("batch-field-not-moved", source) == [line]


@pytest.mark.parametrize("source", [
    """\
for sample in val_loader:
    pixels = sample["pixel_values"].to(dev)
    boxes = sample["boxes"].to(dev)
    pred = encoder(pixels, boxes)
""",
    """\
for sample in val_loader:
    tokens = sample["tokens"].to(dev)
    lengths = sample["lengths"]
    pred = encoder(tokens, lengths)
""",
    """\
for sample in val_loader:
    tokens = sample["tokens"].to(dev)
    names = sample["file_name"]
    print(tokens, names)
    log_batch(tokens, names)
""",
    """\
for sample in val_loader:
    tokens = sample["tokens"].to(dev)
    mask = sample["mask"]
    mask = mask.to(dev)
    pred = encoder(tokens, mask)
""",
])
def test_moved_or_cpu_meant_fields_are_quiet(source):
    """Every field moved; lengths (pack_padded_sequence wants them on the CPU); file names printed and
    logged; a field moved on a later line."""
    assert lines("batch-field-not-moved", source) == []


# ---- softmax-into-cross-entropy: a CrossEntropyLoss built for a model that returns softmax -------


def test_a_criterion_built_for_a_softmax_model_fires():
    source = """\
class GenreNet(nn.Module):
    def __init__(self, n_genres=8):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(40, 128), nn.ReLU(), nn.Linear(128, n_genres))

    def forward(self, mfcc):
        return F.softmax(self.body(mfcc), dim=-1)

net = GenreNet()
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
"""
    assert lines("softmax-into-cross-entropy", source) == [10]


@pytest.mark.parametrize("source", [
    """\
class GenreNet(nn.Module):
    def forward(self, mfcc):
        if self.training:
            return self.body(mfcc)
        return F.softmax(self.body(mfcc), dim=-1)

net = GenreNet()
loss_fn = nn.CrossEntropyLoss()
""",
    """\
class GenreNet(nn.Module):
    def forward(self, mfcc):
        return self.body(mfcc)

net = GenreNet()
probs = F.softmax(net(x), dim=-1)
loss_fn = nn.CrossEntropyLoss()
""",
    """\
class GenreNet(nn.Module):
    def forward(self, mfcc):
        return F.softmax(self.body(mfcc), dim=-1)

net = GenreNet()
loss_fn = nn.CrossEntropyLoss()
loss = loss_fn(net.body(x), y)
""",
])
def test_logits_in_training_or_a_called_criterion_decide(source):
    """Logits returned in training; softmax only outside the model; the criterion called on logits."""
    assert lines("softmax-into-cross-entropy", source) == []


# ---- object-array-to-tensor: a NumPy array of dtype object into a torch converter ----------------


@pytest.mark.parametrize("source, line", [
    ("""\
import numpy as np
import torch

spans = [[3, 9, 14], [2, 5], [7]]
table = np.array(spans, dtype=object)
batch = torch.as_tensor(table)
""", 6),
    ("""\
def load_tracks(frame):
    coords = frame["points"].to_numpy().astype(object)
    return torch.tensor(coords)
""", 3),
    ("""\
raw = np.asarray(sentences, dtype="O")
ids = torch.from_numpy(raw)
""", 2),
])
def test_an_object_array_into_a_tensor_fires(source, line):
    assert lines("object-array-to-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
table = np.array(spans, dtype=np.int64)
batch = torch.as_tensor(table)
""",
    """\
table = np.array(spans, dtype=object)
padded = np.stack([np.pad(np.asarray(r, dtype=np.int64), (0, 5 - len(r))) for r in table])
batch = torch.from_numpy(padded)
""",
    """\
table = np.array(spans, dtype=object)
batch = [torch.tensor(row) for row in table]
""",
])
def test_numeric_arrays_and_rows_of_an_object_array_are_quiet(source):
    """A numeric dtype; an object array padded into a numeric one; one tensor per row of it."""
    assert lines("object-array-to-tensor", source) == []


# ---- float-index-tensor: a column divided with `/` used as an index of one dimension --------------


@pytest.mark.parametrize("source, line", [
    ("""\
grid = torch.zeros(n_boxes, rows, cols)
cy = centers[:, 1] / cell
cx = centers[:, 0] / cell
grid[torch.arange(n_boxes), cy, cx] = 1.0
""", 4),
    ("""\
votes = torch.zeros(n_bins)
bins = angles[:, 0] / bin_width
votes[bins] += 1
""", 3),
])
def test_a_quotient_used_as_an_index_fires(source, line):
    assert lines("float-index-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
grid = torch.zeros(n_boxes, rows, cols)
cy = (centers[:, 1] / cell).floor().long()
cx = (centers[:, 0] / cell).long()
grid[torch.arange(n_boxes), cy, cx] = 1.0
""",
    """\
grid = torch.zeros(n_boxes, rows, cols)
scale = sizes[:, 0] / 32
grid[0, 1, 2] = scale[0]
""",
])
def test_floor_division_long_or_a_quotient_as_a_value_is_quiet(source):
    """.long() gives integer indices; a quotient used as a value is no index."""
    assert lines("float-index-tensor", source) == []


# ---- float-class-target: float class ids batched by a TensorDataset ------------------------------


def test_float_class_ids_batched_by_a_tensor_dataset_fire():
    source = """\
feats = torch.tensor(table[cols].values, dtype=torch.float32)
grades = torch.tensor(table["grade"].values, dtype=torch.float64)
train_dl = DataLoader(TensorDataset(feats, grades), batch_size=64)
loss_fn = nn.CrossEntropyLoss()
for inputs, grade in train_dl:
    loss = loss_fn(clf(inputs), grade)
"""
    assert lines("float-class-target", source) == [6]


@pytest.mark.parametrize("source", [
    """\
feats = torch.tensor(table[cols].values, dtype=torch.float32)
grades = torch.tensor(table["grade"].values, dtype=torch.long)
train_dl = DataLoader(TensorDataset(feats, grades), batch_size=64)
loss_fn = nn.CrossEntropyLoss()
for inputs, grade in train_dl:
    loss = loss_fn(clf(inputs), grade)
""",
    """\
feats = torch.tensor(table[cols].values, dtype=torch.float32)
soft = torch.softmax(teacher(feats), dim=1)
train_dl = DataLoader(TensorDataset(feats, soft), batch_size=64)
loss_fn = nn.CrossEntropyLoss()
for inputs, target in train_dl:
    loss = loss_fn(clf(inputs), target)
""",
])
def test_long_ids_or_soft_labels_in_a_tensor_dataset_are_quiet(source):
    """int64 class ids; class probabilities from a teacher (a valid float target)."""
    assert lines("float-class-target", source) == []


# ---- getitem-returns-none: a Dataset sample (or a part of it) that can be None ------------------


@pytest.mark.parametrize("source, line", [
    ("""\
class ClipSet(Dataset):
    def __getitem__(self, i):
        clip = self.clips[i]
        caption = self.captions.get(clip.key)
        mask = torch.load(clip.mask_path) if clip.has_mask else None
        return self.load(clip), mask
""", 6),
    ("""\
class PairSet:
    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        a, b = self.pairs[i]
        if not os.path.exists(b):
            return None
        return read(a), read(b)
""", 8),
    ("""\
class AudioSet(Dataset):
    def __getitem__(self, i):
        tag = self.tags[i] if i in self.tagged else None
        return {"wave": self.waves[i], "tag": tag}
""", 4),
])
def test_a_sample_that_can_be_none_fires(source, line):
    assert lines("getitem-returns-none", source) == [line]


@pytest.mark.parametrize("source", [
    """\
class ClipSet(Dataset):
    def __getitem__(self, i):
        clip = self.clips[i]
        mask = torch.load(clip.mask_path) if clip.has_mask else torch.zeros(1, 64, 64)
        return self.load(clip), mask
""",
    """\
class ClipSet(Dataset):
    def __getitem__(self, i):
        mask = torch.load(self.masks[i]) if self.masks[i] else None
        return self.load(i), mask

loader = DataLoader(ClipSet(), batch_size=8, collate_fn=skip_missing)
""",
    """\
class Cache:
    def __getitem__(self, key):
        hit = self.store.get(key)
        return hit if hit is not None else None
""",
])
def test_placeholders_a_collate_fn_or_a_plain_container_are_quiet(source):
    """A zero mask as placeholder; a collate_fn that handles None; a cache class that is no dataset."""
    assert lines("getitem-returns-none", source) == []


# ---- pack-padded-unsorted-lengths: lengths counted from a shuffled batch, enforce_sorted left on ---


@pytest.mark.parametrize("source, line", [
    ("""\
from torch.nn.utils.rnn import pack_padded_sequence

class Tagger(nn.Module):
    def forward(self, chars):
        n_chars = (chars > 0).sum(-1)
        packed = pack_padded_sequence(self.embed(chars), n_chars.cpu().long(), batch_first=True)
        return self.gru(packed)
""", 6),
    ("""\
for notes, target in loader:
    steps = notes.ne(0).sum(1)
    seq = torch.nn.utils.rnn.pack_padded_sequence(notes_emb(notes), steps.to("cpu"))
""", 3),
    ("""\
sizes = torch.tensor([len(track) for track in tracks])
packed = pack_padded_sequence(pad_sequence(tracks), sizes)
""", 2),
])
def test_lengths_counted_from_the_batch_with_enforce_sorted_fire(source, line):
    assert lines("pack-padded-unsorted-lengths", source) == [line]


@pytest.mark.parametrize("source", [
    """\
n_chars = (chars > 0).sum(-1)
packed = pack_padded_sequence(emb, n_chars.cpu(), batch_first=True, enforce_sorted=False)
""",
    """\
n_chars = (chars > 0).sum(-1)
n_chars, order = n_chars.sort(descending=True)
packed = pack_padded_sequence(emb[order], n_chars.cpu(), batch_first=True)
""",
    """\
def forward(self, chars, n_chars):
    return self.gru(pack_padded_sequence(self.embed(chars), n_chars, batch_first=True))
""",
])
def test_enforce_sorted_off_a_sorted_batch_or_given_lengths_are_quiet(source):
    """enforce_sorted=False; the batch sorted by length; lengths handed in by the caller."""
    assert lines("pack-padded-unsorted-lengths", source) == []


# ---- shared-output-backpropagated-twice: two backwards through one undetached model output -------


@pytest.mark.parametrize("source, line", [
    ("""\
for photos, _ in loader:
    noise = torch.randn(photos.size(0), 64)
    forged = gen(noise)
    critic_loss = critic(forged).mean() - critic(photos).mean()
    critic_opt.zero_grad()
    critic_loss.backward()
    critic_opt.step()
    gen_loss = -critic(forged).mean()
    gen_opt.zero_grad()
    gen_loss.backward()
    gen_opt.step()
""", 10),
    ("""\
for step in range(steps):
    codes = encoder(batch)
    recon_loss = F.mse_loss(decoder(codes), batch)
    recon_loss.backward()
    prior = kl_term(codes)
    prior.backward()
""", 6),
])
def test_two_backwards_through_one_output_fire(source, line):
    assert lines("shared-output-backpropagated-twice", source) == [line]


@pytest.mark.parametrize("source", [
    """\
for photos, _ in loader:
    forged = gen(torch.randn(photos.size(0), 64))
    critic_loss = critic(forged.detach()).mean() - critic(photos).mean()
    critic_loss.backward()
    gen_loss = -critic(forged).mean()
    gen_loss.backward()
""",
    """\
for photos, _ in loader:
    forged = gen(torch.randn(photos.size(0), 64))
    critic_loss = critic(forged).mean() - critic(photos).mean()
    critic_loss.backward(retain_graph=True)
    gen_loss = -critic(forged).mean()
    gen_loss.backward()
""",
    """\
for part in parts:
    out = model(part)
    loss = F.mse_loss(out, target)
    loss.backward()
    out = model(part.flip(0))
    loss = F.mse_loss(out, target)
    loss.backward()
""",
])
def test_a_detached_retained_or_recomputed_output_is_quiet(source):
    """Detached in the first loss; retain_graph=True; the output computed again before the second."""
    assert lines("shared-output-backpropagated-twice", source) == []


def test_a_model_never_moved_is_quiet_when_the_paste_never_says_its_device_is_a_gpu():
    source = """\
head = nn.Sequential(nn.Linear(12, 24), nn.Tanh(), nn.Linear(24, 2))
for batch, target in loader:
    out = head(batch.to(device))
"""
    assert lines("model-never-moved", source) == []
    gpu = "device = 'cuda' if torch.cuda.is_available() else 'cpu'\n" + source
    assert lines("model-never-moved", gpu) == [4]
