"""detectors-A's detectors: each fires on broken snippets of several shapes (a fragment without
imports, a module class, a training loop, a notebook cell) and stays quiet on the correct variant
and on look-alikes."""

from __future__ import annotations

from tests.codecheck.lines import findings, lines


# non-module-in-container

def test_a_list_handed_whole_to_sequential_fires():
    fragment = """\
        layers = []
        for d_in, d_out in zip(sizes, sizes[1:]):
            layers.append(nn.Linear(d_in, d_out))
        net = nn.Sequential(layers)
    """
    assert lines("non-module-in-container", fragment) == [4]
    module = """\
        import torch.nn as nn
        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential([nn.Linear(4, 8), nn.ReLU()])
    """
    assert lines("non-module-in-container", module) == [5]
    cell = """\
        from torch import nn
        blocks = [nn.Conv2d(3, 3, 3) for _ in range(4)]
        model = torch.nn.Sequential(blocks)
    """
    assert lines("non-module-in-container", cell) == [3]
    assert "nn.Sequential(*layers)" in findings("non-module-in-container", fragment)[0].message
    assert "nn.Sequential(*blocks)" in findings("non-module-in-container", cell)[0].message


def test_functions_lambdas_and_classes_in_containers_fire():
    source = """\
        import torch.nn.functional as F
        a = nn.Sequential(nn.Linear(4, 8), F.relu, nn.Linear(8, 2))
        b = nn.Sequential(nn.Linear(4, 8), torch.tanh)
        c = nn.ModuleList([nn.Linear(4, 4), lambda x: x * 2])
        d = nn.Sequential(nn.Linear(4, 8), nn.ReLU, nn.Linear(8, 2))
        self.add_module("act", F.gelu)
    """
    assert lines("non-module-in-container", source) == [2, 3, 4, 5, 6]
    assert [f.facts["type"] for f in findings("non-module-in-container", source)] == [
        "a function", "a function", "a lambda", "a layer class, not an instance", "a function"]


def test_unpacked_lists_module_lists_and_instances_are_quiet():
    source = """\
        from collections import OrderedDict
        layers = [nn.Linear(4, 8), nn.ReLU()]
        a = nn.Sequential(*layers)
        b = nn.ModuleList(layers)
        c = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        d = nn.Sequential(OrderedDict([("fc", nn.Linear(4, 2)), ("act", nn.ReLU())]))
        e = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Flatten())
        f = nn.Sequential()
        self.add_module("act", nn.ReLU())
        layers = make_layers()
        g = nn.Sequential(layers)
        h = keras.Sequential([dense, relu])
    """
    assert lines("non-module-in-container", source) == []


# torch-name-not-imported

def test_torch_used_without_being_imported_fires():
    module = """\
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def forward(self, x):
                return F.relu(x)

        x = torch.randn(2, 3)
    """
    assert lines("torch-name-not-imported", module) == [8]
    cell = """\
        from torch import optim
        model = nn.Linear(3, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
    """
    assert lines("torch-name-not-imported", cell) == [2]
    function = """\
        import torch
        def act(x):
            return F.softmax(x, dim=-1)
    """
    assert lines("torch-name-not-imported", function) == [3]
    assert findings("torch-name-not-imported", function)[0].facts == {"name": "F"}


def test_bound_names_and_fragments_without_imports_are_quiet():
    fragment = """\
        model = nn.Linear(3, 1)
        x = torch.randn(2, 3)
    """
    assert lines("torch-name-not-imported", fragment) == []
    submodule_import = """\
        import torch.nn
        x = torch.randn(2, 3)
        layer = torch.nn.Linear(3, 1)
    """
    assert lines("torch-name-not-imported", submodule_import) == []
    f_is_a_size = """\
        import torch
        B, L, F = 4, 10, 16
        x = torch.randn(B, L, F)
        def g(nn):
            return nn.fit()
    """
    assert lines("torch-name-not-imported", f_is_a_size) == []
    star = """\
        from torch.nn import *
        from mylib import *
        x = torch.randn(2)
    """
    assert lines("torch-name-not-imported", star) == []
    postponed = """\
        from __future__ import annotations
        import torch.nn as nn
        def f(x: torch.Tensor) -> torch.Tensor:
            return x
    """
    assert lines("torch-name-not-imported", postponed) == []


# private-torch-import

def test_imports_of_removed_private_helpers_fire():
    source = """\
        from torch._utils import _accumulate
        from torch.utils.data.dataloader import _DataLoaderIter, default_collate
        from torch.utils.data.dataloader import numpy_type_map
        from torch.hub import _download_url_to_file as download
    """
    assert lines("private-torch-import", source) == [1, 2, 3, 4]
    assert findings("private-torch-import", source)[1].facts == {"name": "_DataLoaderIter"}
    in_a_function = """\
        def split(dataset, lengths):
            from torch._utils import _accumulate
            return list(_accumulate(lengths))
    """
    assert lines("private-torch-import", in_a_function) == [2]
    in_a_try_that_does_not_catch_it = """\
        try:
            from torch.onnx.symbolic_helper import _export_onnx_opset_version
        except KeyError:
            pass
        finally:
            print("done")
    """
    assert lines("private-torch-import", in_a_try_that_does_not_catch_it) == [2]


def test_public_and_still_present_private_imports_are_quiet():
    source = """\
        from itertools import accumulate
        from torch.utils.data import random_split
        from torch.utils.data.dataloader import default_collate
        from torch.nn.modules.utils import _pair
        from torch._utils import _rebuild_tensor_v2
        from mylib._utils import _accumulate
        from torch.utils.data._utils.collate import default_collate as collate
    """
    assert lines("private-torch-import", source) == []
    fallback = """\
        try:
            from torch.utils.model_zoo import _download_url_to_file
        except ImportError:
            try:
                from torch.hub import download_url_to_file as _download_url_to_file
            except ImportError:
                from torch.hub import _download_url_to_file
        try:
            from torch._utils import _accumulate
        except (ModuleNotFoundError, ImportError):
            from itertools import accumulate as _accumulate
    """
    assert lines("private-torch-import", fallback) == []


# float-class-target

def test_class_ids_as_float_or_int32_targets_fire():
    fragment = """\
        labels = torch.randint(0, 3, (32,)).float()
        loss = F.cross_entropy(model(x), labels)
    """
    assert lines("float-class-target", fragment) == [2]
    assert findings("float-class-target", fragment)[0].facts == {"dtype": "torch.float32"}
    loop = """\
        criterion = nn.NLLLoss()
        for step in range(10):
            target = torch.tensor([0., 2., 1.])
            loss = criterion(F.log_softmax(net(x), dim=1), target)
            loss.backward()
    """
    assert lines("float-class-target", loop) == [4]
    table = """\
        import torch
        data = torch.cat([torch.randn(64, 5), torch.randint(0, 4, (64, 1)).float()], dim=1)
        x, y = data[:, :5], data[:, 5]
        loss = torch.nn.CrossEntropyLoss()(model(x), y.to(device))
    """
    assert lines("float-class-target", table) == [4]
    narrow = """\
        class Trainer:
            def step(self, batch):
                y = batch["label"].int()
                return nn.functional.cross_entropy(self.model(batch["x"]), y)
    """
    assert lines("float-class-target", narrow) == [4]
    batches = """\
        for features, target in train_loader:
            loss = criterion(model(features), target.float())
        criterion = nn.CrossEntropyLoss()
    """
    assert lines("float-class-target", batches) == [2]
    column = """\
        y_train = torch.tensor(df["label"].values, dtype=torch.float32)
        loss = nn.CrossEntropyLoss()(net(x_train), y_train)
    """
    assert lines("float-class-target", column) == [2]


def test_long_targets_and_probability_targets_are_quiet():
    source = """\
        table = torch.cat([torch.randn(32, 4), torch.randint(0, 3, (32, 1)).float()], dim=1)
        labels = table[:, 4].round().long()
        a = F.cross_entropy(logits, labels)
        soft = F.softmax(teacher(x) / 2.0, dim=1)
        b = F.cross_entropy(logits, soft)
        c = F.cross_entropy(logits, F.one_hot(y, 3).float())
        d = F.cross_entropy(logits, torch.rand(8, 3))
        e = F.cross_entropy(logits, torch.tensor([0, 2, 1]))
        f = F.cross_entropy(logits, targets.float())
        g = F.mse_loss(pred, torch.randint(0, 3, (8,)).float())
        h = F.cross_entropy(logits, torch.tensor([0.1, 0.9]))
        i = F.cross_entropy(logits, y.byte())
        for x, y in loader:
            y = smooth(y)
            j = F.cross_entropy(model(x), y.float())
        for x, (y, w) in loader:
            k = F.cross_entropy(model(x), y.float())
        for x, y in batches:
            m = F.cross_entropy(model(x), y.float())
        n = F.cross_entropy(logits, torch.tensor(df["label"].values))
        o = F.cross_entropy(logits, torch.tensor(df[["p0", "p1"]].values, dtype=torch.float32))
    """
    assert lines("float-class-target", source) == []


# one-hot-class-target

def test_one_hot_and_column_targets_fire():
    fragment = """\
        criterion = nn.CrossEntropyLoss()
        y_onehot = F.one_hot(y, num_classes=10)
        loss = criterion(logits, y_onehot)
    """
    assert lines("one-hot-class-target", fragment) == [3]
    assert lines("one-hot-class-target", fragment.replace("nn.CrossEntropyLoss()", "make_loss()")) == []
    loop = """\
        import torch.nn.functional as F
        for x, y in loader:
            target = F.one_hot(y, 5).to(device)
            loss = F.cross_entropy(model(x), target)
            labels = y.view(-1, 1)
            loss = loss + F.cross_entropy(model(x), labels)
    """
    assert lines("one-hot-class-target", loop) == [4, 6]
    module = """\
        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)
                self.loss = nn.NLLLoss()
            def training_step(self, x, y):
                return self.loss(F.log_softmax(self.fc(x), dim=1), F.one_hot(y, 3).float())
    """
    assert lines("one-hot-class-target", module) == [7]
    assert "argmax(dim=1)" in findings("one-hot-class-target", module)[0].message


def test_index_targets_and_float_probabilities_are_quiet():
    source = """\
        y_onehot = F.one_hot(y, num_classes=4)
        a = F.cross_entropy(logits, y_onehot.argmax(dim=1))
        b = F.cross_entropy(logits, y_onehot.float())
        c = F.cross_entropy(logits, y.view(-1))
        d = F.cross_entropy(logits, y.squeeze(1))
        e = F.binary_cross_entropy_with_logits(logits, y.unsqueeze(1).float())
        f = F.mse_loss(out, F.one_hot(y, 4))
        g = F.cross_entropy(logits, y_onehot.to(torch.float32))
    """
    assert lines("one-hot-class-target", source) == []


# optimizer-of-replaced-model

def test_model_rebound_after_its_optimizer_was_built_fires():
    script = """\
        model = Net()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        model = Net()
        model.load_state_dict(torch.load("best.pt"))
        for x, y in loader:
            loss = F.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    """
    assert lines("optimizer-of-replaced-model", script) == [3]
    assert findings("optimizer-of-replaced-model", script)[0].facts == {"model": "model", "optimizer": "optimizer"}
    function = """\
        import copy
        def finetune(model, loader):
            opt = optim.SGD(model.parameters(), lr=0.1)
            model = model.to(device)
            model = copy.deepcopy(model)
            for x, y in loader:
                opt.zero_grad(); criterion(model(x), y).backward(); opt.step()
    """
    assert lines("optimizer-of-replaced-model", function) == [5]
    cell = """\
        net = build()
        sgd = torch.optim.SGD(list(net.parameters()), lr=0.01)
        net = torch.load("checkpoint.pt")
        sgd.step()
    """
    assert lines("optimizer-of-replaced-model", cell) == [3]
    resumed = """\
        model = ResNet18()
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        if args.resume:
            model = torch.load("checkpoint.pth")
        for epoch in range(10):
            train(model, optimizer)
    """
    assert lines("optimizer-of-replaced-model", resumed) == [4]


def test_optimizer_built_after_the_final_model_or_over_the_same_object_is_quiet():
    source = """\
        model = Net()
        model.load_state_dict(pretrained)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        model = model.to(device)
        model = nn.DataParallel(model)
        model = torch.compile(model)
        model = model.module
        optimizer.step()
    """
    assert lines("optimizer-of-replaced-model", source) == []
    rebuilt = """\
        model = Net()
        optimizer = torch.optim.Adam(model.parameters())
        model = Net()
        optimizer = torch.optim.Adam(model.parameters())
        optimizer.step()
    """
    assert lines("optimizer-of-replaced-model", rebuilt) == []
    rebuilt_in_the_branch = """\
        model = Net()
        optimizer = torch.optim.Adam(model.parameters())
        if resume:
            model = torch.load("last.pt")
            optimizer = torch.optim.Adam(model.parameters())
        optimizer.step()
    """
    assert lines("optimizer-of-replaced-model", rebuilt_in_the_branch) == []
    never_steps = """\
        model = Net()
        optimizer = torch.optim.Adam(model.parameters())
        model = Net()
        print(model)
    """
    assert lines("optimizer-of-replaced-model", never_steps) == []
    not_an_optimizer = """\
        model = Net()
        counter = count(model.parameters())
        model = Net()
        counter.step()
    """
    assert lines("optimizer-of-replaced-model", not_an_optimizer) == []


# inplace-on-saved-output

def test_in_place_writes_into_saved_outputs_fire():
    module = """\
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.gate = nn.Linear(8, 8)
                self.act = nn.ReLU(inplace=True)
                self.scale = nn.Parameter(torch.zeros(8))
            def forward(self, x):
                h = torch.tanh(self.fc(x))
                h += x
                g = self.gate(x).sigmoid()
                g = self.act(g)
                s = torch.exp(self.scale)
                s.mul_(2)
                return h * g * s
    """
    assert lines("inplace-on-saved-output", module) == [10, 12, 14]
    assert findings("inplace-on-saved-output", module)[0].facts == {"tensor": "h"}
    loop = """\
        model = nn.Linear(4, 1)
        for x, y in loader:
            prob = torch.sigmoid(model(x))
            prob[prob < 0.01] = 0.0
            F.binary_cross_entropy(prob, y).backward()
    """
    assert lines("inplace-on-saved-output", loop) == [4]
    functional = """\
        def head(features, classifier):
            net = Net()
            p = F.softmax(net(features), dim=1)
            F.relu(p, inplace=True)
            return p
        class Net(nn.Module):
            pass
    """
    assert lines("inplace-on-saved-output", functional) == [4]
    sequential = """\
        gate = nn.Sequential(nn.Linear(8, 8), nn.Sigmoid(), nn.ReLU(inplace=True))
        body = torch.nn.Sequential(nn.Conv2d(3, 8, 3), nn.Tanh(), nn.Dropout(0.1, inplace=True))
    """
    assert lines("inplace-on-saved-output", sequential) == [1, 2]
    fragment = """\
        weights = F.softmax(energy / 8.0, dim=-1)
        weights[:, :, -1] = 0.0
        out = weights @ keys
        attn = energy.sigmoid()
        attn.masked_fill_(pad, 0)
        mixed = torch.einsum("bqk,bkd->bqd", attn.transpose(1, 2), keys)
    """
    assert lines("inplace-on-saved-output", fragment) == [2, 5]


def test_out_of_place_updates_and_values_without_weights_are_quiet():
    source = """\
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.bn = nn.BatchNorm1d(8)
                self.act = nn.ReLU()
            def forward(self, x):
                h = torch.tanh(self.fc(x))
                h = h + x
                out = self.bn(self.fc(x))
                out += x
                out = self.act(out)
                m = torch.sigmoid(x)
                m *= 2
                with torch.no_grad():
                    t = torch.tanh(self.fc(x))
                    t += 1
                e = torch.exp(self.fc(x))
                e = e.clone()
                e += 1
                return h + out + m + t + e
    """
    assert lines("inplace-on-saved-output", source) == []
    predictions = """\
        probs = torch.softmax(logits, dim=-1)
        probs[:, 0] = 0
        label = probs.argmax(-1)
        scores = torch.sigmoid(x)
        scores *= 2
        print(scores.sum())
    """
    assert lines("inplace-on-saved-output", predictions) == []
    preprocessing = """\
        x = torch.exp(torch.randn(4, 3))
        x /= x.sum()
        w = np.exp(np.ones(3))
        w *= 2
    """
    assert lines("inplace-on-saved-output", preprocessing) == []
    sequential = """\
        a = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.ReLU(inplace=True))
        b = nn.Sequential(nn.Sigmoid(), nn.ReLU(inplace=True))
        c = nn.Sequential(nn.Linear(8, 8), nn.Sigmoid(), nn.ReLU())
        d = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.ReLU(inplace=True))
    """
    assert lines("inplace-on-saved-output", sequential) == []


# too-many-forward-args and forward-args-mismatch

MODELS = """\
import torch.nn as nn
class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(16, 16, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(16, 16), nn.ReLU())
    def forward(self, tokens, hidden, *, temperature=1.0):
        out, hidden = self.rnn(tokens, hidden)
        return self.mlp(out, hidden)
class Wider(Decoder):
    pass
class Flexible(nn.Module):
    def forward(self, x, mask=None, **options):
        return x
"""


def test_modules_given_more_positional_arguments_than_forward_takes_fire():
    fragment = """\
        model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3))
        logits = model(x, mask)
    """
    assert lines("too-many-forward-args", fragment) == [2]
    assert findings("too-many-forward-args", fragment)[0].facts == {"expected": "2", "given": "3"}
    assert lines("too-many-forward-args", MODELS) == [9]
    loop = MODELS + """\
decoder = Wider().to("cpu")
for tokens, hidden, lengths in loader:
    out = decoder(tokens, hidden, lengths)
fc = torch.nn.Linear(4, 2)
y = fc(a, b)
"""
    assert lines("too-many-forward-args", loop) == [9, 17, 19]


def test_calls_that_fit_forward_are_quiet_for_too_many_args():
    source = MODELS + """\
decoder = Decoder()
out = decoder(tokens, hidden)
lstm = nn.LSTM(4, 8)
y, state = lstm(x, (h0, c0))
flexible = Flexible()
z = flexible(x, mask)
attention = nn.MultiheadAttention(16, 2)
a = attention(q, k, v)
unknown = make_model()
b = unknown(x, mask)
"""
    assert lines("too-many-forward-args", source) == [9]  # only the Sequential inside Decoder


def test_missing_and_unexpected_forward_arguments_fire():
    module = MODELS + """\
decoder = Decoder()
logits, hidden = decoder(tokens)
"""
    assert lines("forward-args-mismatch", module) == [16]
    assert findings("forward-args-mismatch", module)[0].facts == {"name": "hidden"}
    keywords = """\
        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 2)
            def forward(self, x):
                return self.fc(x)
        model = Classifier()
        for batch in loader:
            out = model(batch["input_ids"], attention_mask=batch["mask"])
    """
    assert lines("forward-args-mismatch", keywords) == [9]
    fragment = """\
        head = nn.Linear(768, 2)
        logits = head(input_ids=ids)
    """
    assert lines("forward-args-mismatch", fragment) == [2]


def test_calls_that_fit_forward_are_quiet_for_missing_or_unexpected():
    source = MODELS + """\
decoder = Decoder()
a = decoder(tokens, hidden)
b = decoder(tokens, hidden=h, temperature=0.5)
c = decoder(tokens=t, hidden=h)
flexible = Flexible()
d = flexible(x, anything=1)
e = flexible(x)
fc = nn.Linear(4, 2)
f = fc(input=x)
g = decoder(*batch)
h = decoder(tokens, **state)
"""
    assert lines("forward-args-mismatch", source) == []


# tensor-attribute-not-buffer

def test_plain_tensor_attributes_of_a_moved_module_fire():
    moved = """\
        class CausalAttention(nn.Module):
            def __init__(self, dim, T):
                super().__init__()
                self.qkv = nn.Linear(dim, 3 * dim)
                self.mask = torch.tril(torch.ones(T, T)).bool()
            def forward(self, x):
                return self.qkv(x).masked_fill(~self.mask, 0.0)
        model = CausalAttention(32, 16)
        model.to(device)
    """
    assert lines("tensor-attribute-not-buffer", moved) == [5]
    assert findings("tensor-attribute-not-buffer", moved)[0].facts == {"attribute": "mask"}
    nested = """\
        import torch
        class Normalize(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
            def forward(self, x):
                return x - self.mean
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.norm = Normalize()
                self.conv = torch.nn.Conv2d(3, 8, 3)
            def forward(self, x):
                return self.conv(self.norm(x))
        net = Net().cuda()
    """
    assert lines("tensor-attribute-not-buffer", nested) == [5]
    converted = """\
        class Scaler(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.scale = torch.ones(d)
            def forward(self, x):
                return x * self.scale
        for d in (4, 8):
            half = nn.Sequential(Scaler(d), nn.Linear(d, 1)).half()
    """
    assert lines("tensor-attribute-not-buffer", converted) == [4]
    positional = """\
        import math
        class PositionalEncoding(nn.Module):
            def __init__(self, d_model, max_len=512):
                super().__init__()
                pe = torch.zeros(max_len, d_model)
                position = torch.arange(max_len).unsqueeze(1)
                div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
                pe[:, 0::2] = torch.sin(position * div)
                pe[:, 1::2] = torch.cos(position * div)
                self.pe = pe.unsqueeze(0)
            def forward(self, x):
                return x + self.pe[:, : x.size(1)]
        encoder = nn.Sequential(nn.Embedding(100, 16), PositionalEncoding(16)).to(device)
    """
    assert lines("tensor-attribute-not-buffer", positional) == [10]


def test_buffers_parameters_and_unmoved_modules_are_quiet():
    source = """\
        class Good(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.register_buffer("mean", torch.zeros(d))
                self.weight = nn.Parameter(torch.ones(d))
                self.steps = 0
            def forward(self, x):
                return (x - self.mean) * self.weight
        class Follows(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.mean = torch.zeros(d)
            def forward(self, x):
                return x - self.mean.to(x.device)
        class Unused(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.init_value = torch.zeros(d)
                self.fc = nn.Linear(d, d)
            def forward(self, x):
                return self.fc(x)
        a = Good(4).to(device)
        b = Follows(4).cuda()
        c = Unused(4).double()
    """
    assert lines("tensor-attribute-not-buffer", source) == []
    never_moved = """\
        class Scaler(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.scale = torch.ones(d)
            def forward(self, x):
                return x * self.scale
        model = Scaler(4)
        x = torch.randn(2, 4).to(device)
    """
    assert lines("tensor-attribute-not-buffer", never_moved) == []


# item-on-unreduced

def test_item_on_a_per_sample_loss_fires():
    loop = """\
        criterion = nn.CrossEntropyLoss(reduction="none")
        for x, y in loader:
            losses = criterion(model(x), y)
            print(losses.item())
            weighted = losses * weights
            total += float(weighted.detach())
    """
    assert lines("item-on-unreduced", loop) == [4, 6]
    fragment = """\
        loss = F.mse_loss(pred, target, reduction="none")
        history.append(loss.cpu().item())
    """
    assert lines("item-on-unreduced", fragment) == [2]
    module = """\
        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 1)
                self.loss = nn.BCEWithLogitsLoss(reduction="none")
            def step(self, x, y):
                value = self.loss(self.fc(x), y)
                return value.item()
    """
    assert lines("item-on-unreduced", module) == [8]
    accuracy = """\
        for images, labels in test_loader:
            outputs = model(images)
            _, predicted = torch.max(outputs, 1)
            correct += (predicted == labels).item()
            hits = (outputs.argmax(dim=1) == labels).float()
            total += hits.item() + (outputs.max(1)[1] != labels).item()
    """
    assert lines("item-on-unreduced", accuracy) == [4, 6, 6]


def test_reduced_losses_and_single_elements_are_quiet():
    source = """\
        criterion = nn.CrossEntropyLoss(reduction="none")
        mean_loss = nn.CrossEntropyLoss()
        losses = criterion(model(x), y)
        a = losses.mean().item()
        b = losses[0].item()
        c = losses.sum().item()
        d = losses.tolist()
        e = mean_loss(model(x), y).item()
        f = F.cross_entropy(logits, y, reduction="sum").item()
        g = float(losses.max())
        h = model(x).item()
        _, predicted = torch.max(outputs, 1)
        i = (predicted == labels).sum().item()
        j = (outputs.argmax(1) == labels).float().mean().item()
        k = (predicted[0] == labels[0]).item()
        m = (outputs.argmax() == label).item()
    """
    assert lines("item-on-unreduced", source) == []
    one_at_a_time = """\
        loader = DataLoader(test_set, batch_size=1)
        for image, label in loader:
            correct += (model(image).argmax(1) == label).item()
    """
    assert lines("item-on-unreduced", one_at_a_time) == []


# numpy-into-model

def test_arrays_frames_and_lists_passed_to_a_model_fire():
    cell = """\
        import numpy as np
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)).eval()
        rng = np.random.default_rng(0)
        samples = rng.normal(size=(5, 4))
        pred = model(samples).argmax(1)
        batch = np.load("x.npy").astype(np.float32)
        out = model(batch[:8])
    """
    assert lines("numpy-into-model", cell) == [5, 7]
    assert findings("numpy-into-model", cell)[0].facts == {"type": "a numpy.ndarray"}
    frame = """\
        import pandas as pd
        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 1)
            def forward(self, x):
                return self.fc(x)
        df = pd.read_csv("data.csv")
        net = Regressor()
        y = net(df[["a", "b", "c"]].values)
        z = net(df)
    """
    assert lines("numpy-into-model", frame) == [10, 11]
    fragment = """\
        head = torch.nn.Linear(3, 1)
        print(head([0.5, 1.0, 2.0]))
        print(head(features.detach().numpy()))
        print(head(values.tolist()))
    """
    assert lines("numpy-into-model", fragment) == [2, 3, 4]
    scaled = """\
        from sklearn.preprocessing import StandardScaler
        scaler = StandardScaler().fit(train_x)
        model = nn.Linear(8, 1)
        pred = model(scaler.transform(test_x))
        pred = model(StandardScaler().fit_transform(test_x))
    """
    assert lines("numpy-into-model", scaled) == [4, 5]
    frame_fragment = """\
        model = nn.Sequential(nn.Linear(12, 1))
        X = df.drop("target", axis=1).values
        preds = model(X)
        print(model(df[["a", "b"]].values), model(df.iloc[:, :12].values))
    """
    assert lines("numpy-into-model", frame_fragment) == [3, 4, 4]


def test_converted_inputs_and_converting_models_are_quiet():
    source = """\
        import numpy as np
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)).eval()
        rng = np.random.default_rng(0)
        samples = rng.normal(size=(5, 4))
        x = torch.as_tensor(samples, dtype=torch.float32)
        a = model(x)
        b = model(torch.from_numpy(samples).float())
        class Wrapper(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 1)
            def forward(self, x):
                return self.fc(torch.as_tensor(x, dtype=torch.float32))
        w = Wrapper()
        c = w(samples)
        d = model(out.max(1).values)
        e = model(tensors[0])
        f = model(make_batch())
        g = model(torch.as_tensor(StandardScaler().fit_transform(samples), dtype=torch.float32))
        h = model(transformer.transform(samples))
        i = model(out.max(1).values)
        j = model(cache[0].values)
    """
    assert lines("numpy-into-model", source) == []


# gradscaler-with-half-model

def test_grad_scaler_over_float16_weights_fires():
    script = """\
        model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2)).cuda().half()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        scaler = torch.cuda.amp.GradScaler()
        for x, y in loader:
            scaler.scale(F.cross_entropy(model(x.half()), y)).backward()
            scaler.step(opt)
            scaler.update()
    """
    assert lines("gradscaler-with-half-model", script) == [6]
    assert ".half(), line 1" in findings("gradscaler-with-half-model", script)[0].message
    in_place = """\
        from torch.amp import GradScaler
        net = Net()
        net.to(torch.float16)
        optimizer = torch.optim.AdamW(net.parameters())
        scaler = GradScaler("cuda")
        scaler.unscale_(optimizer)
    """
    assert lines("gradscaler-with-half-model", in_place) == [6]
    pretrained = """\
        class Trainer:
            def __init__(self):
                self.model = AutoModel.from_pretrained("bert-base", torch_dtype=torch.float16)
                self.opt = torch.optim.Adam(self.model.parameters())
                self.scaler = torch.amp.GradScaler()
            def step(self, loss):
                self.scaler.scale(loss).backward()
                self.scaler.step(self.opt)
    """
    assert lines("gradscaler-with-half-model", pretrained) == [8]
    pasted_loop = """\
        model.half()
        scaler = GradScaler()
        for x, y in loader:
            with autocast():
                loss = criterion(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
    """
    assert lines("gradscaler-with-half-model", pasted_loop) == [7]


def test_grad_scaler_over_float32_or_bfloat16_weights_is_quiet():
    source = """\
        model = nn.Linear(16, 2).cuda()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        scaler = torch.amp.GradScaler("cuda")
        with torch.autocast("cuda", dtype=torch.float16):
            loss = model(x).sum()
        scaler.scale(loss).backward()
        scaler.step(opt)
        other = nn.Linear(4, 4).bfloat16()
        opt2 = torch.optim.SGD(other.parameters(), lr=0.1)
        scaler.step(opt2)
        x = x.half()
        opt.step()
    """
    assert lines("gradscaler-with-half-model", source) == []
    filtered = """\
        model = Net().half()
        opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
        scaler = torch.amp.GradScaler()
        scaler.step(opt)
    """
    assert lines("gradscaler-with-half-model", filtered) == []
    two_models = """\
        teacher.half()
        student.half()
        scaler = GradScaler()
        scaler.step(optimizer)
    """
    assert lines("gradscaler-with-half-model", two_models) == []
    optimizer_of_another_model = """\
        teacher.half()
        optimizer = make_optimizer(student)
        scaler = GradScaler()
        scaler.step(optimizer)
    """
    assert lines("gradscaler-with-half-model", optimizer_of_another_model) == []


# tensor-made-in-forward

ENCODER = """\
import torch
from torch import nn
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(100, 32)
        self.pos = nn.Embedding(16, 32)
        self.rnn = nn.GRU(32, 32)
    def forward(self, ids):
        positions = torch.arange(ids.size(1))
        h0 = torch.zeros(1, ids.size(0), 32)
        out, _ = self.rnn(self.tok(ids) + self.pos(positions), h0)
        return out * torch.tensor([0.5])
"""


def test_tensors_made_in_forward_of_a_moved_model_fire():
    assert lines("tensor-made-in-forward", ENCODER + "model = Encoder().to(device)\n") == [10, 11, 13]
    assert lines("tensor-made-in-forward", ENCODER + "model = Encoder()\nmodel.cuda()\n") == [10, 11, 13]
    wrapped = ENCODER + """\
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
    def forward(self, ids):
        return self.encoder(ids)
net = nn.DataParallel(Classifier().to("cuda"))
"""
    found = findings("tensor-made-in-forward", wrapped)
    assert [f.line for f in found] == [10, 11, 13]
    assert "device=ids.device" in found[0].message


def test_tensors_made_on_the_input_device_or_models_left_on_the_cpu_are_quiet():
    fixed = ENCODER.replace("torch.arange(ids.size(1))", "torch.arange(ids.size(1), device=ids.device)") \
        .replace("torch.zeros(1, ids.size(0), 32)", "torch.zeros(1, ids.size(0), 32).to(ids.device)") \
        .replace("torch.tensor([0.5])", "torch.tensor(0.5)")
    assert lines("tensor-made-in-forward", fixed + "model = Encoder().to(device)\n") == []
    assert lines("tensor-made-in-forward", ENCODER + "model = Encoder().to('cpu')\n") == []
    assert lines("tensor-made-in-forward", ENCODER + "model = Encoder()\nx = torch.randn(3).to(device)\n") == []
    assert lines("tensor-made-in-forward", ENCODER + "model = Encoder().to(torch.float64)\n") == []


# conv-set-after-move and layer-set-after-move

def test_layers_set_on_a_model_after_it_was_moved_fire():
    script = """\
        model = SmallCNN().to(device)
        model.stem = nn.Conv2d(1, 16, 3, padding=1)
        model.head = nn.Linear(32, 2)
        logits = model(x)
    """
    assert lines("conv-set-after-move", script) == [2]
    assert lines("layer-set-after-move", script) == [3]
    function = """\
        import torchvision
        def build(num_classes):
            net = torchvision.models.resnet18()
            net.cuda()
            net.fc = torch.nn.Linear(512, num_classes)
            for x, y in loader:
                loss = criterion(net(x.cuda()), y.cuda())
    """
    assert lines("layer-set-after-move", function) == [5]
    cell = """\
        encoder.to(torch.device("cuda"))
        encoder.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
        features = encoder(images)
    """
    assert lines("conv-set-after-move", cell) == [2]
    assert findings("conv-set-after-move", cell)[0].facts == {"layer": "encoder.conv1"}


def test_layers_set_before_the_move_or_moved_themselves_are_quiet():
    source = """\
        model = SmallCNN()
        model.stem = nn.Conv2d(1, 16, 3, padding=1)
        model.to(device)
        logits = model(x)
        other = Net().to(device)
        other.fc = nn.Linear(32, 2, device=device)
        other.conv = nn.Conv2d(1, 16, 3)
        other.conv.to(device)
        other.act = nn.ReLU()
        out = other(x)
        cpu_model = Net().to("cpu")
        cpu_model.fc = nn.Linear(3, 3)
        cpu_model(x)
        late = Net().to(device)
        late.fc = nn.Linear(3, 3)
        late = late.to(device)
        late(x)
        unused = Net().cuda()
        unused.fc = nn.Linear(3, 3)
        rebuilt = Net().cuda()
        rebuilt = Net()
        rebuilt.fc = nn.Linear(3, 3)
        rebuilt(x)
    """
    assert lines("conv-set-after-move", source) == []
    assert lines("layer-set-after-move", source) == []


# dataset-returns-list

def test_datasets_returning_python_lists_fire():
    rows = """\
        from torch.utils.data import Dataset, DataLoader
        class Rows(Dataset):
            def __init__(self, table):
                self.rows = [list(r) + [0] for r in table]
            def __len__(self):
                return len(self.rows)
            def __getitem__(self, i):
                return self.rows[i][:-1], self.rows[i][-1]
        for x, y in DataLoader(Rows(t), batch_size=4):
            x = x.to(device)
    """
    assert lines("dataset-returns-list", rows) == [8]
    frame = """\
        class Frame(torch.utils.data.Dataset):
            def __getitem__(self, idx):
                features = self.df.iloc[idx, :-1].tolist()
                return features, int(self.df.iloc[idx, -1])
    """
    assert lines("dataset-returns-list", frame) == [4]
    assert findings("dataset-returns-list", frame)[0].facts == {"field": "features"}
    tokens = """\
        class Tokens(data.Dataset):
            def __getitem__(self, i):
                return [self.vocab[w] for w in self.sentences[i].split()]
    """
    assert lines("dataset-returns-list", tokens) == [3]
    encoded = """\
        class TextDataset(Dataset):
            def __getitem__(self, idx):
                ids = self.tokenizer.encode(self.texts[idx])
                return ids, self.labels[idx]
    """
    assert lines("dataset-returns-list", encoded) == [4]
    pasted_method = """\
        def __getitem__(self, idx):
            row = self.df.iloc[idx]
            return row.drop("y").tolist(), row["y"]
    """
    assert lines("dataset-returns-list", pasted_method) == [3]


def test_datasets_returning_tensors_fields_or_with_a_collate_fn_are_quiet():
    source = """\
        class Good(Dataset):
            def __init__(self):
                self.rows = [[1.0, 2.0, 0], [3.0, 4.0, 1]]
            def __getitem__(self, i):
                row = self.rows[i]
                return torch.tensor(row[:2]), torch.tensor(row[2])
        class Pair(Dataset):
            def __getitem__(self, i):
                return [self.images[i], self.labels[i]]
        class Arrays(Dataset):
            def __getitem__(self, i):
                return self.x[i][:4], self.y[i]
        class NotADataset:
            def __getitem__(self, i):
                return [1, 2, 3]
        class Encoded(Dataset):
            def __getitem__(self, i):
                return self.tokenizer.encode(self.texts[i], return_tensors="pt")[0], self.codec.encode(self.x[i])
    """
    assert lines("dataset-returns-list", source) == []
    padded = """\
        class Tokens(Dataset):
            def __getitem__(self, i):
                return [self.vocab[w] for w in self.sentences[i].split()]
        loader = DataLoader(Tokens(), batch_size=8, collate_fn=pad_batch)
    """
    assert lines("dataset-returns-list", padded) == []
    function_not_method = """\
        def __getitem__(key):
            return list(key)
        class Table:
            def __getitem__(self, i):
                return self.rows[i].tolist()
    """
    assert lines("dataset-returns-list", function_not_method) == []


# frozen-batchnorm-in-train-mode

def test_frozen_layers_with_batchnorm_left_in_train_mode_fire():
    script = """\
        backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
        model = nn.Sequential(backbone, nn.Flatten(), nn.LazyLinear(2))
        for p in backbone.parameters():
            p.requires_grad = False
        for x, y in loader:
            model.train()
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
    """
    assert lines("frozen-batchnorm-in-train-mode", script) == [3]
    assert findings("frozen-batchnorm-in-train-mode", script)[0].facts == {"module": "backbone"}
    module = """\
        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv1d(4, 8, 3)
                self.bn = nn.BatchNorm1d(8)
            def forward(self, x):
                return self.bn(self.conv(x))
        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = Encoder()
                self.encoder.requires_grad_(False)
                self.head = nn.Linear(8, 2)
        def train(model, loader, opt):
            for x, y in loader:
                loss(model(x), y).backward()
                opt.step()
    """
    assert lines("frozen-batchnorm-in-train-mode", module) == [12]
    cell = """\
        feature_extractor = Encoder()
        for param in feature_extractor.parameters():
            param.requires_grad_(False)
        loss.backward(); optimizer.step()
        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.norm = torch.nn.BatchNorm2d(3)
    """
    assert lines("frozen-batchnorm-in-train-mode", cell) == [2]
    evaluated = """\
        import torch
        from torch import nn

        def run(batches):
            net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.LazyLinear(2))
            for p in net[0].parameters():
                p.requires_grad = False
            stem = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
            stem.requires_grad_(False)
            sgd = torch.optim.SGD(net.parameters(), lr=0.1)
            for x, y in batches:
                nn.functional.cross_entropy(net(x), y).backward()
                sgd.step()
            torch.save(stem.state_dict(), "stem.pt")
    """
    assert lines("frozen-batchnorm-in-train-mode", evaluated) == [9]


def test_frozen_layers_in_eval_mode_or_without_batchnorm_are_quiet():
    source = """\
        backbone = nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU())
        head = nn.Sequential(nn.Linear(32, 32), nn.LayerNorm(32))
        for p in backbone.parameters():
            p.requires_grad = False
        for p in head.parameters():
            p.requires_grad = False
        model.train()
        backbone.eval()
        loss.backward()
        opt.step()
    """
    assert lines("frozen-batchnorm-in-train-mode", source) == []
    handled = """\
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
        for p in net.parameters():
            p.requires_grad = False
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
        loss.backward()
        opt.step()
    """
    assert lines("frozen-batchnorm-in-train-mode", handled) == []
    not_frozen = """\
        net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
        for p in net.parameters():
            p.requires_grad = True
        loss.backward()
        opt.step()
    """
    assert lines("frozen-batchnorm-in-train-mode", not_frozen) == []
    never_evaluated = """\
        import torch
        from torch import nn

        def run(batches):
            stem = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
            net = nn.Sequential(stem, nn.Flatten(), nn.LazyLinear(2))
            stem.requires_grad_(False)
            sgd = torch.optim.SGD(net.parameters(), lr=0.1)
            for x, y in batches:
                nn.functional.cross_entropy(net(x), y).backward()
                sgd.step()
            return net[2].weight
    """
    assert lines("frozen-batchnorm-in-train-mode", never_evaluated) == []


# autocast-output-outside-autocast

def test_autocast_outputs_fed_to_float32_layers_outside_autocast_fire():
    loop = """\
        backbone = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64))
        head = nn.Linear(64, 5)
        with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            cached = backbone(x)
        for feats, target in zip(cached.split(32), y.split(32)):
            loss = F.cross_entropy(head(feats), target)
    """
    assert lines("autocast-output-outside-autocast", loop) == [6]
    assert findings("autocast-output-outside-autocast", loop)[0].facts == {"tensor": "cached"}
    direct = """\
        encoder = torch.nn.Linear(16, 16).cuda()
        probe = torch.nn.Linear(16, 2).cuda()
        with torch.cuda.amp.autocast():
            z = encoder(x)
        logits = probe(z.detach())
    """
    assert lines("autocast-output-outside-autocast", direct) == [5]
    module = """\
        class Probe(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 2)
            def forward(self, x):
                return self.fc(x)
        def evaluate(conv, images):
            probe = Probe()
            with torch.autocast("cuda"):
                maps = conv(images)
            for i, m in enumerate(maps):
                print(probe(m.flatten()))
        conv = nn.Conv2d(3, 8, 3)
    """
    assert lines("autocast-output-outside-autocast", module) == []  # conv is a parameter of evaluate: unknown
    assert lines("autocast-output-outside-autocast", module.replace("def evaluate(conv, images):",
                                                                    "def evaluate(images):")) == [12]


def test_cast_back_or_still_under_autocast_is_quiet():
    source = """\
        backbone = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64))
        head = nn.Linear(64, 5)
        half_head = nn.Linear(64, 5).half()
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            cached = backbone(x)
            inside = head(cached)
        a = head(cached.float())
        b = head(cached.to(torch.float32))
        c = half_head(cached)
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            d = head(cached)
        e = cached.argmax(1)
        with torch.autocast("cuda", enabled=False):
            other = backbone(x)
        f = head(other)
        soft = nn.Sequential(nn.Linear(4, 4), nn.Softmax(dim=1))
        with torch.autocast("cuda"):
            probs = soft(x)
        g = head(probs)
    """
    assert lines("autocast-output-outside-autocast", source) == []
    recast = """\
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            cached = backbone(x)
        cached = cached.float()
        out = head(cached)
        backbone = nn.Linear(3, 3)
        head = nn.Linear(3, 3)
    """
    assert lines("autocast-output-outside-autocast", recast) == []


# target-not-moved

def test_labels_left_on_the_cpu_while_inputs_are_moved_fire():
    loop = """\
        model = Net().to(device)
        criterion = nn.CrossEntropyLoss()
        for images, labels in train_loader:
            images = images.to(device)
            loss = criterion(model(images), labels)
            loss.backward()
    """
    assert lines("target-not-moved", loop) == [5]
    assert findings("target-not-moved", loop)[0].facts == {"target": "labels"}
    enumerated = """\
        def train_epoch(model, loader, opt):
            for step, (x, y) in enumerate(loader):
                out = model(x.cuda())
                loss = F.nll_loss(out, y)
                opt.zero_grad(); loss.backward(); opt.step()
    """
    assert lines("target-not-moved", enumerated) == [4]
    functional = """\
        for batch_x, batch_y in loader:
            pred = net(batch_x.to("cuda", non_blocking=True))
            total += F.mse_loss(pred, batch_y).item()
    """
    assert lines("target-not-moved", functional) == [3]


def test_labels_moved_too_or_loops_on_the_cpu_are_quiet():
    source = """\
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y)
        for x, y in loader:
            x = x.to(device)
            loss = F.cross_entropy(model(x), y.to(device))
        for x, y in loader:
            x = x.to("cpu")
            loss = F.cross_entropy(model(x), y)
        for x, y in loader:
            x = x.to(torch.float32)
            loss = F.cross_entropy(model(x), y)
        for x, y in loader:
            x = x.cuda()
            y = y.cuda()
            loss = F.cross_entropy(model(x), y)
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
    """
    assert lines("target-not-moved", source) == []


# float-input-to-half-model

def test_float32_inputs_into_half_models_fire():
    chained = """\
        model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2)).cuda().half()
        x = torch.randn(8, 16).cuda()
        out = model(x)
    """
    assert lines("float-input-to-half-model", chained) == [3]
    assert findings("float-input-to-half-model", chained)[0].facts == {"dtype": "torch.float16"}
    in_place = """\
        rnn = torch.nn.GRU(8, 8)
        rnn.to(torch.bfloat16)
        output, h = rnn(torch.zeros(5, 3, 8))
    """
    assert lines("float-input-to-half-model", in_place) == [3]
    function = """\
        def predict(batch):
            head = nn.Linear(64, 5).half()
            feats = batch.float()
            return head(feats)
    """
    assert lines("float-input-to-half-model", function) == [4]


def test_matching_dtypes_autocast_or_conv_models_are_quiet():
    source = """\
        model = nn.Linear(16, 2).half()
        a = model(torch.randn(8, 16).half())
        b = model(torch.randn(8, 16, dtype=torch.float16))
        c = model(x)
        d = model(batch.to(device))
        conv = nn.Conv2d(3, 8, 3).half()
        e = conv(torch.randn(1, 3, 8, 8))
        back = nn.Linear(4, 4).half()
        back.float()
        f = back(torch.randn(2, 4))
        early = nn.Linear(4, 4)
        g = early(torch.randn(2, 4))
        early.half()
    """
    assert lines("float-input-to-half-model", source) == []
    autocast = """\
        model = nn.Linear(16, 2).half()
        with torch.autocast("cuda"):
            out = model(torch.randn(8, 16))
    """
    assert lines("float-input-to-half-model", autocast) == []


# submodule-made-half

def test_one_part_of_a_model_made_half_fires():
    cell = """\
        model = MyNet().cuda()
        model.encoder.half()
        out = model(x.cuda())
    """
    assert lines("submodule-made-half", cell) == [2]
    assert findings("submodule-made-half", cell)[0].facts == {"module": "model.encoder"}
    bf16 = """\
        net = torchvision.models.resnet18()
        net.fc.to(torch.bfloat16)
        for images, labels in loader:
            loss = criterion(net(images), labels)
    """
    assert lines("submodule-made-half", bf16) == [2]
    function = """\
        def predict(model, batch):
            model.backbone.half()
            return model(batch)
    """
    assert lines("submodule-made-half", function) == [2]


def test_whole_models_autocast_or_parts_never_run_through_the_model_are_quiet():
    source = """\
        model = MyNet()
        model.encoder.half()
        model.half()
        out = model(x.half())
        other = MyNet()
        other.head.half()
        features = other.head(x.half())
        mixed = MyNet()
        mixed.encoder.half()
        mixed.float()
        mixed(x)
    """
    assert lines("submodule-made-half", source) == []
    autocast = """\
        model.encoder.half()
        with torch.autocast("cuda"):
            out = model(x)
    """
    assert lines("submodule-made-half", autocast) == []
