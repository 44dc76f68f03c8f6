"""Detectors for the first situations of more-entries (checkpoints, loaders, half precision, forward):
each fires on its situation in pasted code of several shapes and stays quiet on the correct variant
and on look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- torch-load-of-other-format: torch.load of a safetensors/ONNX file or of a downloaded /blob/ page ----


@pytest.mark.parametrize("source, line", [
    ("""\
net = UNet(in_channels=3)
weights = torch.load("downloads/unet_carvana.safetensors")
net.load_state_dict(weights)
""", 2),
    ("""\
import torch
WEIGHTS = "exports/detector.onnx"
model = Detector()
model.load_state_dict(torch.load(WEIGHTS, map_location="cpu"))
""", 4),
    ("""\
from urllib.request import urlretrieve
import torch

urlretrieve("https://github.com/acme/styler/blob/master/ckpt/styler.pt", "styler.pt")
state = torch.load("styler.pt", map_location="cpu")
""", 5),
    ("""\
import torch
url = "https://huggingface.co/acme/tiny-gpt/blob/main/pytorch_model.bin"
path = "cache/pytorch_model.bin"
torch.hub.download_url_to_file(url, path)
lm.load_state_dict(torch.load(path))
""", 5),
    ("""\
ckpt = Path(cache) / "vae.pt"
ckpt.write_text(response.text)
vae.load_state_dict(torch.load(ckpt))
""", 3),
])
def test_torch_load_of_another_format_fires(source, line):
    assert lines("torch-load-of-other-format", source) == [line]


@pytest.mark.parametrize("source", [
    """\
from safetensors.torch import load_file
net.load_state_dict(load_file("downloads/unet_carvana.safetensors"))
""",
    """\
state = torch.load("runs/unet_carvana.pth", map_location="cpu")
net.load_state_dict(state)
""",
    """\
from urllib.request import urlretrieve
urlretrieve("https://github.com/acme/styler/raw/master/ckpt/styler.pt", "styler.pt")
state = torch.load("styler.pt", map_location="cpu")
""",
    """\
from urllib.request import urlretrieve
urlretrieve("https://github.com/acme/styler/blob/master/README.md", "README.md")
state = torch.load("styler.pt", map_location="cpu")
""",
    """\
features = np.load("cache/features.npy")
""",
    """\
ckpt = Path(cache) / "vae.pt"
ckpt.write_text("placeholder")
torch.save(vae.state_dict(), ckpt)
vae.load_state_dict(torch.load(ckpt))
""",
])
def test_torch_load_of_a_checkpoint_is_quiet(source):
    assert lines("torch-load-of-other-format", source) == []


# ---- loader-unpacked-without-enumerate: `for i, (x, y) in loader` without enumerate --------------


@pytest.mark.parametrize("source, line", [
    ("""\
for step, (images, masks) in train_loader:
    preds = unet(images)
""", 1),
    ("""\
from torch.utils.data import DataLoader, TensorDataset
loader = DataLoader(TensorDataset(features, targets), batch_size=32)
for i, (xb, yb) in loader:
    loss = loss_fn(regressor(xb), yb)
""", 3),
    ("""\
def evaluate(self):
    totals = [self.score(a, b) for n, (a, b) in val_dl]
    return sum(totals)
""", 2),
])
def test_loader_unpacked_as_enumerate_fires(source, line):
    assert lines("loader-unpacked-without-enumerate", source) == [line]


@pytest.mark.parametrize("source", [
    """\
for step, (images, masks) in enumerate(train_loader):
    preds = unet(images)
""",
    """\
for name, (weight, bias) in layer_params:
    print(name, weight.shape, bias.shape)
""",
    """\
loader = DataLoader(pairs, batch_size=8, collate_fn=with_indices)
for i, (xb, yb) in loader:
    loss = loss_fn(regressor(xb), yb)
""",
    """\
for images, masks in train_loader:
    preds = unet(images)
""",
])
def test_loader_with_enumerate_or_other_pairs_is_quiet(source):
    assert lines("loader-unpacked-without-enumerate", source) == []


# ---- loss-on-half-model-output: a loss under autocast is computed in float32 -------------------------


def test_a_loss_under_autocast_on_a_half_model_is_not_taken_for_float16_overflow():
    source = """\
encoder = Encoder().cuda().half()
for x, y in loader:
    with torch.autocast("cuda", dtype=torch.float16):
        loss = F.mse_loss(encoder(x.cuda().half()), y.cuda())
    loss.backward()
"""
    assert lines("loss-on-half-model-output", source) == []
    assert lines("loss-on-half-model-output", source.replace('    with torch.autocast("cuda", dtype=torch.float16):\n', "    if True:\n")) == [4]


# ---- forward-without-return: an if/elif chain without else ends forward; a forward pasted alone ----


@pytest.mark.parametrize("source, line", [
    ("""\
class Tagger(nn.Module):
    def forward(self, tokens, with_logits=False):
        h = self.encoder(tokens)
        if with_logits:
            return self.head(h)
        elif self.training:
            return self.head(self.drop(h))
""", 4),
    ("""\
def forward(self, waveform):
    spec = self.frontend(waveform)
    if self.training:
        return self.decoder(self.augment(spec))
""", 3),
    ("""\
def forward(self, points):
    self.cache = self.mlp(points)
""", 1),
])
def test_forward_that_can_fall_off_its_end_fires(source, line):
    assert lines("forward-without-return", source) == [line]


@pytest.mark.parametrize("source", [
    """\
class Tagger(nn.Module):
    def forward(self, tokens, with_logits=False):
        h = self.encoder(tokens)
        if with_logits:
            return self.head(h)
        return h
""",
    """\
class Tagger(nn.Module):
    def forward(self, tokens):
        h = self.encoder(tokens)
        if self.training:
            return self.head(self.drop(h))
        else:
            return self.head(h)
""",
    """\
class Pool(nn.Module):
    def forward(self, h):
        if self.mode == "mean":
            return h.mean(1)
        elif self.mode == "cls":
            return h[:, 0]
""",
    """\
def forward(self, waveform):
    if self.training:
        return self.decoder(self.augment(waveform))
    raise RuntimeError("inference goes through predict()")
""",
    """\
def forward(x, weight):
    if x.is_cuda:
        return fused_kernel(x, weight)
""",
])
def test_forward_that_always_returns_is_quiet(source):
    assert lines("forward-without-return", source) == []


# ---- dataparallel-attribute: the wrapper read before the code sets that attribute on it -----------


def test_a_wrapper_attribute_read_before_the_code_sets_it_fires():
    source = """\
clf = torchvision.models.densenet121(weights="DEFAULT")
clf = nn.DataParallel(clf).cuda()
width = clf.classifier.in_features
clf.classifier = nn.Linear(width, 5)
"""
    assert lines("dataparallel-attribute", source) == [3]


@pytest.mark.parametrize("source", [
    """\
clf = nn.DataParallel(backbone).cuda()
clf.classifier = nn.Linear(1024, 5)
width = clf.classifier.in_features
""",
    """\
clf = nn.DataParallel(backbone).cuda()
for epoch in range(3):
    if epoch:
        print(clf.tracker.best)
    clf.tracker = Tracker()
""",
])
def test_a_wrapper_attribute_set_first_is_quiet(source):
    assert lines("dataparallel-attribute", source) == []


# ---- eval-never-called: a model out of view put in train() and validated under no_grad ----------


@pytest.mark.parametrize("source, line", [
    ("""\
for epoch in range(20):
    net.train()
    for seq, tags in train_dl:
        loss = loss_fn(net(seq), tags)
        loss.backward(); opt.step(); opt.zero_grad()
    with torch.no_grad():
        hits = sum((net(seq).argmax(-1) == tags).sum().item() for seq, tags in val_dl)
""", 7),
    ("""\
def validate(model, loader):
    model.train()
    scores = []
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            scores.append(metric(out, y))
    return scores
""", 6),
])
def test_validation_after_train_without_eval_fires(source, line):
    assert lines("eval-never-called", source) == [line]


@pytest.mark.parametrize("source", [
    """\
for epoch in range(20):
    net.train()
    for seq, tags in train_dl:
        loss = loss_fn(net(seq), tags)
        loss.backward(); opt.step(); opt.zero_grad()
    net.eval()
    with torch.no_grad():
        hits = sum((net(seq).argmax(-1) == tags).sum().item() for seq, tags in val_dl)
""",
    """\
swa_model.train()
with torch.no_grad():
    for x, _ in train_dl:
        swa_model(x)
""",
    """\
net.train(mode=is_training)
with torch.no_grad():
    preds = net(batch)
""",
    """\
student.train()
with torch.no_grad():
    soft = teacher(batch)
loss = kd_loss(student(batch), soft)
""",
])
def test_eval_called_or_output_unused_is_quiet(source):
    assert lines("eval-never-called", source) == []


# ---- numpy-into-model: an OpenCV image (scaled, transposed) into a model of a pasted fragment -----


@pytest.mark.parametrize("source, line", [
    ("""\
frame = cv2.imread("frames/0001.png")
frame = cv2.resize(frame, (320, 320)).astype(np.float32) / 255.0
batch = frame.transpose(2, 0, 1)[None]
with torch.no_grad():
    boxes = net(batch)
""", 5),
    ("""\
import cv2
gray = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2GRAY)
logits = model(gray[None, None] / 255)
""", 3),
])
def test_an_opencv_image_into_a_model_fires(source, line):
    assert lines("numpy-into-model", source) == [line]


@pytest.mark.parametrize("source", [
    """\
frame = cv2.imread("frames/0001.png")
frame = cv2.resize(frame, (320, 320)).astype(np.float32) / 255.0
batch = torch.from_numpy(frame.transpose(2, 0, 1))[None]
with torch.no_grad():
    boxes = net(batch)
""",
    """\
frame = cv2.imread("frames/0001.png")
boxes = detector(frame)
""",
    """\
def run(model):
    frame = cv2.imread("frames/0001.png")
    return model.predict(frame)
""",
])
def test_an_opencv_image_converted_or_given_to_a_non_model_is_quiet(source):
    assert lines("numpy-into-model", source) == []


# ---- spawn-dataset-not-importable: spawned workers cannot import a notebook's or main guard's class ----

NOTEBOOK_SPAWN = """\
class Squares(torch.utils.data.Dataset):
    def __len__(self):
        return 64
    def __getitem__(self, i):
        return torch.tensor([float(i)]), torch.tensor(i * i)

loader = torch.utils.data.DataLoader(Squares(), batch_size=8, num_workers=3, multiprocessing_context="spawn")
first = next(iter(loader))
first[0].shape
"""


@pytest.mark.parametrize("source, line", [
    (NOTEBOOK_SPAWN, 7),
    ("""\
import multiprocessing as mp
from torch.utils.data import DataLoader, Dataset

if __name__ == "__main__":
    mp.set_start_method("spawn")

    class Tiles(Dataset):
        def __len__(self):
            return 10
        def __getitem__(self, i):
            return i

    for batch in DataLoader(Tiles(), num_workers=2):
        print(batch)
""", 13),
])
def test_a_spawned_loader_over_an_unimportable_class_fires(source, line):
    assert lines("spawn-dataset-not-importable", source) == [line]


@pytest.mark.parametrize("source", [
    NOTEBOOK_SPAWN.replace("num_workers=3", "num_workers=0"),
    NOTEBOOK_SPAWN.replace('multiprocessing_context="spawn"', 'multiprocessing_context="fork"'),
    NOTEBOOK_SPAWN.replace("first[0].shape\n", "print(first[0].shape)\n"),
    """\
from torch.utils.data import DataLoader, TensorDataset
loader = DataLoader(TensorDataset(xs, ys), num_workers=3, multiprocessing_context="spawn")
xb, yb = next(iter(loader))
xb.shape
""",
])
def test_a_spawned_loader_over_an_importable_class_is_quiet(source):
    assert lines("spawn-dataset-not-importable", source) == []


def test_a_notebook_cell_is_not_taken_for_a_script_without_main_guard():
    assert lines("spawn-loader-at-module-level", NOTEBOOK_SPAWN) == []
    assert lines("spawn-loader-at-module-level", NOTEBOOK_SPAWN.replace("first[0].shape\n", "print(first)\n")) == [8]


# ---- checkpoint-wrapper-into-model: the checkpoint was saved under an f-string name ----------------

RESUME = """\
for step in range(1, 1001):
    train_step(segmenter, batch)
    if step % 250 == 0:
        torch.save({"step": step, "weights": segmenter.state_dict(), "opt": opt.state_dict()},
                   f"runs/seg/step_{step:05d}.ckpt")

segmenter = SegNet(classes=21)
segmenter.load_state_dict(torch.load("runs/seg/step_01000.ckpt"))
"""


def test_a_checkpoint_saved_under_an_f_string_name_and_loaded_whole_fires():
    assert lines("checkpoint-wrapper-into-model", RESUME) == [8]


@pytest.mark.parametrize("source", [
    RESUME.replace('torch.load("runs/seg/step_01000.ckpt")', 'torch.load("runs/seg/step_01000.ckpt")["weights"]'),
    RESUME.replace('torch.load("runs/seg/step_01000.ckpt")', 'torch.load("pretrained/segnet_voc.pth")'),
    RESUME.replace('{"step": step, "weights": segmenter.state_dict(), "opt": opt.state_dict()}',
                   "segmenter.state_dict()"),
])
def test_a_load_of_the_weights_or_of_another_file_is_quiet(source):
    assert lines("checkpoint-wrapper-into-model", source) == []


# ---- checkpoint-named-for-other-architecture: resnet18 loading "resnet50_*.pth" -----------------


@pytest.mark.parametrize("source, line", [
    ("""\
encoder = models.resnet18(num_classes=7)
encoder.load_state_dict(torch.load("weights/resnet50_fer_epoch40.pth"))
""", 2),
    ("""\
import torch, torchvision
CKPT = "exp/effnet/efficientnet_b3_best.pt"
net = torchvision.models.efficientnet_b0(num_classes=5)
state = torch.load(CKPT, map_location="cpu")
net.load_state_dict(state)
""", 5),
])
def test_a_torchvision_model_loading_another_size_fires(source, line):
    assert lines("checkpoint-named-for-other-architecture", source) == [line]


@pytest.mark.parametrize("source", [
    """\
encoder = models.resnet18(num_classes=7)
encoder.load_state_dict(torch.load("weights/resnet18_fer_epoch40.pth"))
""",
    """\
encoder = models.resnet18(num_classes=7)
encoder.load_state_dict(torch.load("distill/resnet50_to_resnet18_student.pth"))
""",
    """\
encoder = models.resnet18(num_classes=7)
encoder.load_state_dict(torch.load("weights/resnet50_fer.pth"), strict=False)
""",
    """\
encoder = ResNet18(num_classes=7)
encoder.load_state_dict(torch.load("weights/resnet50_fer.pth"))
""",
])
def test_the_same_size_or_another_family_is_quiet(source):
    assert lines("checkpoint-named-for-other-architecture", source) == []


# ---- loader-unpacked-wrong: a fragment's loader built elsewhere over its one Dataset class ---------

CLIPS = """\
class ClipDataset(torch.utils.data.Dataset):
    def __len__(self):
        return len(self.paths)
    def __getitem__(self, i):
        return self.load(self.paths[i]), self.labels[i], self.paths[i]

for step, (clip, label) in enumerate(train_loader):
    loss = criterion(video_net(clip), label)
"""


def test_a_fragment_loader_unpacked_short_of_its_dataset_samples_fires():
    assert lines("loader-unpacked-wrong", CLIPS) == [7]


@pytest.mark.parametrize("source", [
    CLIPS.replace("(clip, label)", "(clip, label, path)"),
    CLIPS.replace("class ClipDataset(torch.utils.data.Dataset):", "class ClipStore:"),
    CLIPS + """\

class FrameDataset(torch.utils.data.Dataset):
    def __getitem__(self, i):
        return self.frames[i], self.labels[i]
""",
    CLIPS.replace("enumerate(train_loader)", "enumerate(make_batches(clips))"),
])
def test_a_fragment_loader_matching_or_of_unknown_dataset_is_quiet(source):
    assert lines("loader-unpacked-wrong", source) == []


# ---- tensor-from-tensor: an attribute made with torch.as_tensor / torch.tensor, copied again ------


@pytest.mark.parametrize("source, line", [
    ("""\
class Returns(Dataset):
    def __init__(self, prices):
        self.prices = torch.as_tensor(prices, dtype=torch.float64)

    def __getitem__(self, i):
        return torch.tensor(self.prices[i:i + 30])
""", 6),
    ("""\
ids = torch.tensor(encoded, dtype=torch.long)
copy = torch.tensor(ids[:, :128])
""", 2),
])
def test_a_tensor_copied_with_torch_tensor_fires(source, line):
    assert lines("tensor-from-tensor", source) == [line]


def test_a_list_or_array_given_to_torch_tensor_is_quiet():
    source = """\
class Returns(Dataset):
    def __init__(self, prices):
        self.prices = np.asarray(prices, dtype=np.float64)

    def __getitem__(self, i):
        return torch.tensor(self.prices[i:i + 30])
"""
    assert lines("tensor-from-tensor", source) == []


# ---- rnn-output-used-as-tensor: a forward pasted alone, its recurrent layer known by name ----------


@pytest.mark.parametrize("source, line", [
    ("""\
def forward(self, frames):
    feats = self.lstm(frames)
    return self.head(feats[:, -1])
""", 2),
    ("""\
def forward(self, tokens):
    h = self.bigru(self.embed(tokens))
    return self.out(h.mean(1))
""", 2),
])
def test_a_pasted_forward_using_a_recurrent_tuple_as_tensor_fires(source, line):
    assert lines("rnn-output-used-as-tensor", source) == [line]


@pytest.mark.parametrize("source", [
    """\
def forward(self, frames):
    feats, _ = self.lstm(frames)
    return self.head(feats[:, -1])
""",
    """\
def forward(self, frames):
    feats = self.lstm_proj(frames)
    return self.head(feats[:, -1])
""",
    """\
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = PackedLSTMWrapper(64, 128)

    def forward(self, frames):
        feats = self.lstm(frames)
        return self.head(feats[:, -1])
""",
])
def test_a_pasted_forward_that_unpacks_or_a_known_layer_is_quiet(source):
    assert lines("rnn-output-used-as-tensor", source) == []


# ---- backward-after-step-on-shared-graph: a second loss of a retained graph backpropagated after a step ----

TWO_LOSSES = """\
for obs, act, ret in rollouts:
    value = value_net(obs)
    dist = policy(obs)
    v_loss = (ret - value).pow(2).mean()
    p_loss = -(dist.log_prob(act) * (ret - value)).mean()
    v_opt.zero_grad()
    v_loss.backward(retain_graph=True)
    v_opt.step()
    p_opt.zero_grad()
    p_loss.backward()
    p_opt.step()
"""


def test_a_loss_made_before_the_step_and_backpropagated_after_it_fires():
    assert lines("backward-after-step-on-shared-graph", TWO_LOSSES) == [10]


@pytest.mark.parametrize("source", [
    TWO_LOSSES.replace("    v_opt.step()\n", "").replace("    p_opt.step()\n", "    p_opt.step()\n    v_opt.step()\n"),
    TWO_LOSSES.replace("    p_opt.zero_grad()\n",
                       "    p_loss = -(policy(obs).log_prob(act) * (ret - value_net(obs)).detach()).mean()\n"
                       "    p_opt.zero_grad()\n"),
    TWO_LOSSES.replace("v_loss.backward(retain_graph=True)", "v_loss.backward()"),
])
def test_backwards_before_the_steps_or_a_recomputed_loss_is_quiet(source):
    assert lines("backward-after-step-on-shared-graph", source) == []
