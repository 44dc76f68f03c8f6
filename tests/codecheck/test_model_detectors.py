"""Detectors of model and loss code: each fires on the broken code and stays quiet on its correct twin."""

from __future__ import annotations

from tests.codecheck.lines import findings, lines

MODEL = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
    def forward(self, x):
        return self.fc(x)
model = Net()
criterion = nn.CrossEntropyLoss()
"""


def test_layers_in_a_python_list_or_dict_fire():
    source = MODEL + """\
class Stack(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layers = [nn.Linear(8, 8) for _ in range(n)]
        self.heads = {"a": nn.Linear(8, 1), "b": Net()}
        self.blocks = []
        for _ in range(n):
            self.blocks.append(nn.Conv2d(3, 3, 3))
"""
    assert lines("layers-in-python-list", source) == [15, 16, 17]


def test_registered_containers_and_plain_lists_are_quiet():
    source = MODEL + """\
class Stack(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(n)])
        self.sizes = [8, 16, 32]
        self.names = []
        self.names.append("x")
        self.weights = [nn.Parameter(torch.zeros(3))]
        layers = [nn.Linear(8, 8), nn.ReLU()]
        self.body = nn.Sequential(*layers)
"""
    assert lines("layers-in-python-list", source) == []


def test_view_after_transpose_or_permute_fires():
    source = """\
        def heads(x, b, t):
            y = x.transpose(1, 2)
            z = y.view(b, t, -1)
            return x.permute(0, 2, 1).view(b, -1), torch.transpose(x, 0, 1).view(-1)
    """
    assert lines("view-after-transpose", source) == [3, 4, 4]
    assert "follows transpose() (line 2)" in findings("view-after-transpose", source)[0].message


def test_view_after_contiguous_reshape_or_rebinding_is_quiet():
    source = """\
        def heads(x, b, t, flag):
            y = x.transpose(1, 2).contiguous().view(b, -1)
            z = x.transpose(1, 2).reshape(b, -1)
            w = x.transpose(1, 2)
            if flag:
                w = w.contiguous()
            u = w.view(b, -1)
            return x.view(b, -1), x.t().view(torch.int32)
    """
    assert lines("view-after-transpose", source) == []


def test_softmax_fed_to_cross_entropy_fires():
    source = MODEL + """\
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)
def step(x, y):
    probs = F.softmax(model(x), dim=1)
    a = criterion(probs, y)
    b = F.cross_entropy(model(x).softmax(dim=-1), y)
    clf = Classifier()
    c = criterion(clf(x), y)
    return a + b + c
"""
    assert lines("softmax-into-cross-entropy", source) == [20, 21, 23]


def test_logits_into_cross_entropy_and_softmax_elsewhere_are_quiet():
    source = MODEL + """\
def step(x, y):
    logits = model(x)
    loss = criterion(logits, y)
    probs = F.softmax(logits, dim=1)
    nll = F.nll_loss(torch.log(probs), y)
    mse = nn.MSELoss()(probs, F.one_hot(y, 3).float())
    return loss + nll + mse
"""
    assert lines("softmax-into-cross-entropy", source) == []


def test_numpy_on_a_tensor_that_requires_grad_fires():
    source = MODEL + """\
def report(x, y):
    out = model(x)
    a = out.cpu().numpy()
    b = criterion(out, y).numpy()
    w = torch.randn(3, requires_grad=True)
    return a, b, w.numpy(), model.fc(x)[0].numpy()
"""
    assert lines("numpy-on-grad-tensor", source) == [14, 15, 17, 17]


def test_numpy_after_detach_or_without_grad_is_quiet():
    source = MODEL + """\
@torch.no_grad()
def predict(x):
    return model(x).numpy()
def report(x, net):
    with torch.no_grad():
        out = model(x)
    a = out.numpy()
    b = model(x).detach().cpu().numpy()
    c = torch.randn(3).numpy()
    d = net(x).numpy()  # what net is is not known here
    return a, b, c, d
"""
    assert lines("numpy-on-grad-tensor", source) == []


def test_float_tensors_as_embedding_indices_fire():
    source = """\
        import torch
        import torch.nn as nn
        emb = nn.Embedding(100, 16)
        ids = torch.rand(4, 10) * 100
        a = emb(torch.randn(4, 10))
        b = emb(ids.float())
        c = emb(torch.tensor([1.0, 2.0]))
        d = emb(torch.zeros(4, 10, dtype=torch.float64).view(-1))
        e = emb(torch.FloatTensor([[1, 2]]).to("cpu"))
        model = nn.Sequential(nn.Embedding(100, 16), nn.Flatten())
        for _ in range(3):
            f = model(ids.float())
    """
    assert lines("float-embedding-indices", source) == [5, 6, 7, 8, 9, 12]
    assert [f.facts["dtype"] for f in findings("float-embedding-indices", source)][3] == "torch.float64"


def test_integer_indices_are_quiet():
    source = """\
        import torch
        import torch.nn as nn
        emb = nn.Embedding(100, 16)
        a = emb(torch.randint(0, 100, (4, 10)))
        b = emb(torch.tensor([1, 2]))
        c = emb(torch.rand(4, 10).mul(100).long())
        d = emb(torch.zeros(4, dtype=torch.long))
        def embed(ids):
            return emb(ids)
    """
    assert lines("float-embedding-indices", source) == []


def test_loss_data_index_fires():
    source = MODEL + """\
def step(x, y, total):
    loss = criterion(model(x), y)
    total += loss.data[0]
    acc = (model(x).argmax(1) == y).float().mean()
    return total, acc.data[0], self.loss.data[0]
"""
    assert lines("loss-data-index", source) == [14, 16, 16]


def test_indexing_real_tensors_data_is_quiet():
    source = MODEL + """\
def step(x):
    out = model(x)
    first = out.data[0]
    w = model.fc.weight.data[0]
    return first, w, loss.item()
"""
    assert lines("loss-data-index", source) == []
