"""Detectors of training mode, losses and module definitions: broken code fires, correct twins do not."""

from __future__ import annotations

from tests.codecheck.lines import findings, lines

MODEL = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
model = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))
"""


def test_inference_in_training_mode_fires_once_per_call_under_the_right_entry():
    source = MODEL + """\
with torch.no_grad():
    scores = model(val_x)
    q = model(state.unsqueeze(0))
"""
    assert lines("eval-never-called", source) == [6]
    assert lines("batchnorm-single-sample", source) == [7]
    assert "BatchNorm1d and Dropout still act as in training" in findings("eval-never-called", source)[0].message


def test_one_sample_through_batchnorm_in_training_mode_fires_without_no_grad_too():
    source = MODEL + """\
def act(state):
    return model(state.unsqueeze(0)).argmax(dim=1)
"""
    assert lines("batchnorm-single-sample", source) == [6]
    assert lines("eval-never-called", source) == []


def test_a_model_switched_to_eval_or_without_training_only_layers_is_quiet():
    plain = """\
import torch
import torch.nn as nn
mlp = nn.Sequential(nn.Linear(8, 3), nn.ReLU())
with torch.no_grad():
    mlp(x)
    mlp(x.unsqueeze(0))
"""
    switched = MODEL + """\
model.train(False)
with torch.no_grad():
    model(x.unsqueeze(0))
"""
    unknown = """\
import torch
import torchvision
net = torchvision.models.resnet18()
with torch.no_grad():
    net(x)
"""
    own_method = """\
import torch
import torch.nn as nn
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.3), nn.Linear(8, 2))
    @torch.no_grad()
    def predict(self, x):
        return self.layers(x)  # the caller decides the mode
"""
    for source in (plain, switched, unknown, own_method, MODEL + "model.eval()\nwith torch.no_grad():\n    model(x)\n"):
        assert lines("eval-never-called", source) == [] and lines("batchnorm-single-sample", source) == []


def test_a_non_scalar_backward_fires():
    source = MODEL + """\
per_sample = F.cross_entropy(model(x), y, reduction="none")
weighted = per_sample * weights
weighted.backward()
criterion = nn.MSELoss(reduction="none")
criterion(model(x), y).backward()
model(x).backward()
"""
    assert lines("backward-on-unreduced", source) == [7, 9, 10]


def test_a_reduced_loss_or_an_explicit_gradient_is_quiet():
    source = MODEL + """\
per_sample = F.cross_entropy(model(x), y, reduction="none")
loss = (per_sample * weights).mean()
loss.backward()
out = model(x)
out.backward(torch.ones_like(out))
F.cross_entropy(model(x), y).backward()
nn.MSELoss()(model(x), y).backward()
"""
    assert lines("backward-on-unreduced", source) == []


def test_nll_loss_on_logits_or_probabilities_fires():
    source = MODEL + """\
class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
    def forward(self, x):
        return self.fc(x)
head = Head()
a = F.nll_loss(model(x), y)
b = nn.NLLLoss()(head(x), y)
c = F.nll_loss(F.softmax(model(x), dim=1), y)
"""
    assert lines("nll-loss-without-log-softmax", source) == [12, 13, 14]


def test_nll_loss_on_log_probabilities_is_quiet():
    source = MODEL + """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
    def forward(self, x):
        return F.log_softmax(self.fc(x), dim=1)
net = Net()
tagger = nn.Sequential(nn.Linear(4, 2), nn.LogSoftmax(dim=1))
a = F.nll_loss(F.log_softmax(model(x), dim=1), y)
b = F.nll_loss(net(x), y)
c = nn.NLLLoss()(tagger(x), y)
d = F.nll_loss(torch.log(F.softmax(model(x), dim=1)), y)
"""
    assert lines("nll-loss-without-log-softmax", source) == []


def test_a_misspelt_or_dedented_forward_fires():
    source = """\
import torch.nn as nn
class A(nn.Module):
    def __init__(self):
        super().__init__()
    def foward(self, x):
        return x
class B(nn.Module):
    def Forward(self, x):
        return x
class C(nn.Module):
    def __init__(self):
        super().__init__()
def forward(self, x):
    return x
"""
    assert lines("forward-misspelt", source) == [5, 8, 13]


def test_real_forwards_and_unrelated_methods_are_quiet():
    source = """\
import torch.nn as nn
class A(nn.Module):
    def forward(self, x):
        return x
    def backward_hook(self, grad):
        return grad
class B(A):
    def reward(self):
        return 0
class C(nn.Linear):
    def fwd(self, x):
        return x
class D(nn.Module):
    def forward_features(self, x):
        return x
    forward = forward_features
"""
    assert lines("forward-misspelt", source) == []
