"""Detectors of situations that only fail once the code runs, but that the code shows beforehand:
a DataLoader's spawn workers started from the top level of the script, an initial RNN state built
in the wrong shape, labels outside the classes of a head or a one_hot, and a many-element tensor
used as a truth value. Each broken snippet is found at its line, in the user's names; each
look-alike is quiet."""

from __future__ import annotations

import textwrap

from assistant.codecheck import check_source
from tests.codecheck.lines import findings, lines

# spawn-loader-at-module-level -------------------------------------------------------------------------


def test_a_top_level_loop_over_a_spawn_loader_fires_once_at_the_first_iteration():
    source = """\
        import torch
        import torch.multiprocessing as mp
        from torch.utils.data import DataLoader, TensorDataset

        mp.set_start_method("spawn", force=True)
        ds = TensorDataset(torch.randn(64, 4), torch.randint(0, 2, (64,)))
        WORKERS = 4
        loader = DataLoader(ds, batch_size=16, num_workers=WORKERS)
        for epoch in range(3):
            for i, (x, y) in enumerate(loader):
                pass
        xb, yb = next(iter(loader))
    """
    found = findings("spawn-loader-at-module-level", source)
    assert [f.line for f in found] == [10]
    assert found[0].message.startswith("`for i, (x, y) in enumerate(loader):` runs at the top level")
    assert "(line 8) starts num_workers=4 workers with the 'spawn' start method" in found[0].message
    assert 'if __name__ == "__main__"' in found[0].message


def test_a_loader_given_a_spawn_context_fires_in_a_notebook_cell():
    source = """\
        import multiprocessing
        ctx = multiprocessing.get_context("forkserver")
        train_loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True, num_workers=2,
                                                   multiprocessing_context=ctx)
        images, labels = next(iter(train_loader))
    """
    found = findings("spawn-loader-at-module-level", source)
    assert [f.line for f in found] == [5]
    assert "`next(iter(train_loader))`" in found[0].message and "'forkserver'" in found[0].message


def test_guarded_scripts_and_loaders_without_workers_or_spawn_are_quiet():
    guarded = """\
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        def main():
            ds = TensorDataset(torch.randn(64, 4))
            for (x,) in DataLoader(ds, num_workers=2, multiprocessing_context="spawn"):
                pass

        if __name__ == "__main__":
            torch.multiprocessing.set_start_method("spawn")
            loader = DataLoader(TensorDataset(torch.randn(8, 2)), num_workers=2)
            for (x,) in loader:
                pass
            main()
    """
    assert lines("spawn-loader-at-module-level", guarded) == []
    no_workers = """\
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=0, multiprocessing_context="spawn")
        for batch in loader:
            pass
    """
    assert lines("spawn-loader-at-module-level", no_workers) == []
    fork = """\
        import multiprocessing as mp
        from torch.utils.data import DataLoader
        mp.set_start_method("fork")
        loader = DataLoader(ds, num_workers=4)
        for batch in loader:
            pass
    """
    assert lines("spawn-loader-at-module-level", fork) == []
    set_after_the_loop = """\
        import multiprocessing as mp
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=4)
        for batch in loader:
            pass
        mp.set_start_method("spawn")
    """
    assert lines("spawn-loader-at-module-level", set_after_the_loop) == []
    loop_in_a_function = """\
        from torch.utils.data import DataLoader
        loader = DataLoader(ds, num_workers=4, multiprocessing_context="spawn")
        def train():
            for batch in loader:
                pass
    """
    assert lines("spawn-loader-at-module-level", loop_in_a_function) == []


# rnn-state-shape-disagrees ----------------------------------------------------------------------------


def test_a_batch_first_state_for_a_batch_first_lstm_fires_at_the_call():
    source = """\
        import torch
        import torch.nn as nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(16, 64, num_layers=2, batch_first=True)

            def forward(self, tokens):
                n = tokens.shape[0]
                h0 = torch.zeros(n, 2, 64)
                c0 = torch.zeros(n, 2, 64)
                out, _ = self.lstm(tokens, (h0, c0))
                return out
    """
    found = findings("rnn-state-shape-disagrees", source)
    assert [f.line for f in found] == [13]
    message = found[0].message
    assert message.startswith("self.lstm (nn.LSTM(16, 64, num_layers=2, batch_first=True), line 7) needs h0 of shape "
                              "(num_layers * num_directions, batch, hidden_size) even with batch_first=True")
    assert "h0 by torch.zeros(n, 2, 64) (line 11)" in message
    assert "with the batch on axis 0" in message and "build it as (2, n, 64)" in message


def test_literal_layer_counts_widths_and_batches_that_differ_fire():
    source = """\
        import torch
        import torch.nn as nn
        HIDDEN = 128
        gru = nn.GRU(10, HIDDEN, num_layers=2, bidirectional=True)
        x = torch.randn(25, 8, 10)
        out, h = gru(x, torch.zeros(2, 8, HIDDEN))
        h = torch.zeros(4, 8, 64)
        out, h = gru(x, h)
        out, h = gru(x, torch.zeros(4, 16, HIDDEN))
        out, h = gru(x, torch.zeros(8, 4, HIDDEN))
    """
    found = findings("rnn-state-shape-disagrees", source)
    assert [f.line for f in found] == [6, 8, 9, 10]
    assert "has 2 on axis 0 (from 2) where the layer has 4 (num_layers * num_directions = 2 * 2)" in found[0].message
    assert "has 64 on its last axis (from 64) where the layer's hidden_size is 128" in found[1].message
    assert "has batch 16 on axis 1 (from 16) where the input x has 8" in found[2].message
    assert "the batch and the layer axes are swapped" in found[3].message


def test_a_script_of_constants_with_the_state_batch_first_or_one_direction_fires():
    source = """\
        import torch
        import torch.nn as nn

        batch_size, seq_len, input_size, hidden_size, num_layers = 32, 10, 8, 64, 2
        lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        x = torch.randn(batch_size, seq_len, input_size)
        h0 = torch.zeros(batch_size, num_layers, hidden_size)
        c0 = torch.zeros(batch_size, num_layers, hidden_size)
        out, (hn, cn) = lstm(x, (h0, c0))
        bi = nn.GRU(input_size, hidden_size, num_layers=num_layers, bidirectional=True, batch_first=True)
        h = torch.zeros(num_layers, batch_size, hidden_size)
        out, hn = bi(x, h)
    """
    found = findings("rnn-state-shape-disagrees", source)
    assert [f.line for f in found] == [9, 12]
    assert "h0 by torch.zeros(batch_size, num_layers, hidden_size) (line 7), passed at line 9, has shape (32, 2, 64) " \
           "where (2, 32, ...) is needed: the batch and the layer axes are swapped" in found[0].message
    assert "has 2 on axis 0 (from num_layers) where the layer has 4 (num_layers * num_directions = num_layers * 2)" \
        in found[1].message


def test_states_built_from_the_layer_or_left_out_are_quiet():
    source = """\
        import torch
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, layers=2, hidden=32, proj=0):
                super().__init__()
                self.lstm = nn.LSTM(8, hidden, num_layers=layers, batch_first=True, bidirectional=True)
                self.gru = nn.GRU(8, 16, batch_first=True)
                self.proj = nn.LSTM(8, 64, proj_size=16)

            def forward(self, x, lengths=None):
                batch = x.size(0)
                layers = self.lstm.num_layers * 2
                h0 = x.new_zeros(layers, batch, self.lstm.hidden_size)
                out, _ = self.lstm(x, (h0, h0.clone()))
                out2, _ = self.gru(x)
                out3, _ = self.gru(x, torch.zeros(1, x.size(0), 16))
                seq = x.transpose(0, 1)
                h = torch.zeros(1, seq.size(1), 16)
                c = torch.zeros(1, seq.size(1), 64)
                out4, _ = self.proj(seq, (h, c))
                return out, out2, out3, out4
    """
    assert lines("rnn-state-shape-disagrees", source) == []
    unbatched = """\
        rnn = nn.RNN(4, 8)
        out, h = rnn(torch.randn(5, 4), torch.zeros(1, 8))
        seq_first = nn.LSTM(4, 8)
        x = torch.randn(5, 3, 4)
        out, (h, c) = seq_first(x, (torch.zeros(1, x.size(1), 8), torch.zeros(1, x.size(1), 8)))
    """
    assert lines("rnn-state-shape-disagrees", unbatched) == []


# label-beyond-one-hot-classes -------------------------------------------------------------------------


def test_one_based_and_max_counted_labels_into_one_hot_fire():
    source = """\
        import torch
        import torch.nn.functional as F
        NUM_CLASSES = 5
        stars = torch.randint(1, NUM_CLASSES + 1, (32,))
        soft = F.one_hot(stars, NUM_CLASSES).float()
        mask = torch.tensor([[0, 1, 2], [2, 3, 1]])
        onehot = F.one_hot(mask.long(), num_classes=3)
        y = torch.randint(0, 7, (100,))
        n_classes = int(y.max())
        targets = F.one_hot(y, num_classes=n_classes)
    """
    found = findings("label-beyond-one-hot-classes", source)
    assert [f.line for f in found] == [5, 7, 10]
    assert found[0].message.startswith("F.one_hot(stars, NUM_CLASSES): stars (torch.randint(1, NUM_CLASSES + 1, (32,)), "
                                       "line 4) draws labels up to 5, but num_classes is 5 (NUM_CLASSES)")
    assert "labels numbered from 1 need stars - 1" in found[0].message
    assert "holds the label 3, but num_classes is 3" in found[1].message
    assert "num_classes is n_classes, the largest label of y itself" in found[2].message
    assert "y.max() + 1" in found[2].message


def test_one_hot_of_labels_inside_the_classes_is_quiet():
    source = """\
        import torch
        import torch.nn.functional as F
        stars = torch.randint(1, 6, (32,))
        a = F.one_hot(stars - 1, num_classes=5)
        b = F.one_hot(stars, num_classes=6)
        c = F.one_hot(stars)
        y = torch.randint(0, 7, (100,))
        d = F.one_hot(y, num_classes=int(y.max()) + 1)
        other = torch.tensor([0, 1, 2])
        e = F.one_hot(other, num_classes=int(y.max()))
        valid = F.one_hot(torch.tensor([0, 1, 2]).clamp(0, 2), 3)
        ids = torch.randint(1, 9, (50,))
        count = int(ids.max())
        ids -= 1
        f = F.one_hot(ids, num_classes=count)
    """
    assert lines("label-beyond-one-hot-classes", source) == []


# label-beyond-head ------------------------------------------------------------------------------------


def test_one_based_labels_into_a_head_fire_through_a_loader_and_a_module_class():
    source = """\
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, TensorDataset

        class Classifier(nn.Module):
            def __init__(self, classes=4):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(10, 32), nn.ReLU())
                self.out = nn.Linear(32, 4)

            def forward(self, x):
                return self.out(self.body(x))

        X = torch.randn(200, 10)
        Y = torch.randint(1, 5, (200,))
        loader = DataLoader(TensorDataset(X, Y), batch_size=20, shuffle=True)
        model = Classifier()
        criterion = nn.CrossEntropyLoss()
        for xb, yb in loader:
            out = model(xb)
            loss = criterion(out, yb)
    """
    found = findings("label-beyond-head", source)
    assert [f.line for f in found] == [21]
    assert found[0].message.startswith("criterion(out, yb): the logits come from nn.Linear(32, 4) (line 9) with 4 "
                                       "classes, so targets must lie in 0..3, but yb (torch.randint(1, 5, (200,)), "
                                       "line 15) draws labels up to 4")


def test_a_head_sized_by_the_largest_label_fires():
    source = """\
        labels = torch.tensor(df["label"].values)
        num_classes = labels.max().item()
        head = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, num_classes))
        logits = head(features)
        loss = F.cross_entropy(logits, labels)
    """
    found = findings("label-beyond-head", source)
    assert [f.line for f in found] == [5]
    assert "the head nn.Linear(128, num_classes) (line 3) has num_classes outputs, the largest label of labels itself" \
        in found[0].message


def test_targets_inside_the_head_or_ignored_are_quiet():
    source = """\
        import torch
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        x = torch.randn(6, 6)
        raw = torch.tensor([1, 2, 3, 1, 2, 3])
        loss = nn.CrossEntropyLoss()(model(x), raw - 1)
        padded = torch.tensor([0, 2, -100, 1, -100, 2])
        loss = nn.CrossEntropyLoss()(model(x), padded)
        void = torch.tensor([0, 2, 255, 1, 255, 2])
        loss = nn.CrossEntropyLoss(ignore_index=255)(model(x), void)
        loss = nn.functional.cross_entropy(model(x), torch.randint(0, 3, (6,)))
        labels = torch.randint(0, 3, (6,))
        k = int(labels.max()) + 1
        head = nn.Linear(6, k)
        loss = nn.functional.cross_entropy(head(x), labels)
        loss = nn.functional.cross_entropy(model(x).view(-1, 3), raw)
        shifted = torch.tensor([1, 2, 3, 1, 2, 3])
        shifted -= 1
        loss = nn.functional.cross_entropy(model(x), shifted)
        remapped = torch.tensor([1, 2, 3, 1, 2, 3])
        remapped[remapped == 3] = 0
        loss = nn.functional.cross_entropy(model(x), remapped)
        clamped = torch.randint(0, 5, (6,))
        clamped.clamp_(max=2)
        loss = nn.functional.cross_entropy(model(x), clamped)
    """
    assert lines("label-beyond-head", source) == []


# tensor-as-truth-value --------------------------------------------------------------------------------


def test_comparisons_of_many_element_tensors_in_conditions_fire():
    source = """\
        import torch

        scores = torch.rand(16)
        if scores > 0.5:
            print("confident")
        threshold = torch.tensor([0.2, 0.4, 0.6])
        assert threshold.float() < 1
        err = torch.ones(4, 4)
        while err > 1e-3:
            err = err * 0.5
        a = torch.randn(10)
        b = torch.randn(10)
        both = a > 0 and b > 0
        flags = [x for x in range(3) if not (a == b)]
    """
    found = findings("tensor-as-truth-value", source)
    assert [f.line for f in found] == [4, 7, 9, 13, 14]
    assert found[0].message == ("`if` needs one truth value, but scores > 0.5 is elementwise and scores is a tensor of "
                                "16 elements (shape [16]) (torch.rand(16), line 3): bool() of a tensor is defined only "
                                "for exactly one element; say which you mean with .all() or .any(), or count matches "
                                "with .sum().item()")
    assert "threshold.float() is a tensor of 3 elements (shape [3])" in found[1].message
    assert found[2].message.startswith("`while` needs one truth value, but err > 0.001 is elementwise and err is a "
                                       "tensor of 16 elements (shape [4, 4]) (torch.ones(4, 4), line 8)")
    assert found[3].message.startswith("`and` needs one truth value, but a > 0 is elementwise")
    assert found[4].message.startswith("`not` needs one truth value, but a == b")


def test_rows_batches_and_reductions_along_one_dim_fire_in_functions():
    source = """\
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, TensorDataset

        X = torch.randn(100, 3, 8)
        Y = torch.randint(0, 2, (100, 4))

        def evaluate(model):
            hits = 0
            for x, y in zip(X, Y):
                if model(x).argmax(dim=1) == y:
                    hits += 1
            for xb, yb in DataLoader(TensorDataset(X, Y), batch_size=10):
                if yb.sum(dim=0) > 5:
                    pass
            probs = torch.softmax(torch.randn(5, 3), dim=1)
            if probs.max(dim=1, keepdim=True)[0] > 0.9:
                pass
            return hits
    """
    found = findings("tensor-as-truth-value", source)
    assert [f.line for f in found] == [11, 14]
    assert "y is a tensor of 4 elements (shape [4])" in found[0].message
    assert "yb.sum(dim=0) is a tensor of 4 elements (shape [4])" in found[1].message


def test_builtin_max_and_min_of_many_element_tensors_fire():
    source = """\
        import torch
        left = torch.randn(4, 4)
        right = torch.zeros(4, 4)
        peak = max(left, right)
        low = min(left.abs(), 0.5)
        fine = max(left.max(), right.max())
        also_fine = torch.maximum(left, right)
        scores = {"a": 1}
        best = max(scores, key=scores.get)
    """
    found = findings("tensor-as-truth-value", source)
    assert [f.line for f in found] == [4, 5]
    assert found[0].message.startswith("max() compares its arguments with > and needs one truth value, but left is a "
                                       "tensor of 16 elements (shape [4, 4])")
    assert "torch.maximum(left, right) compares elementwise" in found[0].message
    assert "torch.minimum(left.abs(), 0.5)" in found[1].message


def test_reduced_scalar_and_single_element_conditions_are_quiet():
    source = """\
        import torch
        import numpy as np
        x = torch.randn(8, 5)
        y = torch.randint(0, 3, (8,))
        pred = x.argmax(dim=1)
        if (pred == y).all() or (pred == y).any():
            pass
        if (pred == y).sum().item() > 4 and x.sum() > 0 and x.mean(dim=(0, 1)) > 0:
            pass
        if x.numel() > 1 and x.shape[0] == 8 and x.size(1) == 5 and len(x) > 2:
            pass
        one = torch.tensor([3.0])
        if one > 0 and torch.randn(1) < 2 and torch.tensor(5) == 5 and torch.zeros(1, 1) == 0:
            pass
        if torch.equal(pred, y) and torch.allclose(x, x):
            pass
        mask = x > 0
        if mask is not None and x is not None:
            pass
        arr = np.zeros(8)
        if arr.sum() > 0:
            pass
        z = torch.randn(8)
        z = z.sum()
        if z > 0:
            pass
        for row in torch.randn(6):
            if row > 0:
                pass
        values, indices = x.max(dim=1)
        if x.max(dim=1):
            pass
        done = torch.zeros(4, dtype=torch.bool)
        masked = torch.where(x > 0, x, 0.1 * x)
        if x == None or y != "label" or y == [0, 1, 2] or y == config.target:
            pass
        flag = y == some_object
        if flag:
            pass
    """
    assert lines("tensor-as-truth-value", source) == []


# half-op-on-cpu ---------------------------------------------------------------------------------------


def test_ops_without_a_half_cpu_kernel_on_float16_tensors_fire():
    source = """\
        import torch
        import torch.nn.functional as F
        queries = torch.randn(20, 3).half()
        keys = torch.randn(10, 3, dtype=torch.float16)
        dists = torch.cdist(queries, keys)
        u, s, v = torch.linalg.svd(torch.rand(4, 4).half())
        pairs = F.pdist(queries)
        fine = torch.cdist(queries.float(), keys.float())
        many = torch.randn(100, 3).half()
        by_matmul = torch.cdist(many, keys)
        manhattan = torch.cdist(many, keys, p=1)
    """
    found = findings("half-op-on-cpu", source)
    assert [f.line for f in found] == [5, 6, 7, 11]
    assert found[0].message.startswith("torch.cdist(queries, keys) runs on float16 tensors on the CPU")
    assert "\"cdist\" not implemented for 'Half'" in found[0].message
    assert "\"linalg_svd_cpu\" not implemented" in found[1].message
    assert found[2].facts == {"kernel": "pdist"}


def test_a_half_model_whose_forward_runs_cdist_fires_at_its_call():
    source = """\
        import torch
        import torch.nn as nn

        class Matcher(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(32, 8)
                self.centers = nn.Parameter(torch.randn(4, 8))

            def forward(self, x):
                return torch.cdist(self.proj(x), self.centers)

        matcher = Matcher().half()
        batch = torch.randn(16, 32).half()
        scores = matcher(batch)
    """
    found = findings("half-op-on-cpu", source)
    assert [f.line for f in found] == [15]
    assert found[0].message.startswith("matcher(batch) runs Matcher.forward, whose torch.cdist (line 11) gets the "
                                       "float16 weights of matcher (Matcher().half(), line 13) on the CPU")


def test_float32_bfloat16_and_gpu_scripts_are_quiet():
    on_gpu = """\
        import torch
        device = "cuda" if torch.cuda.is_available() else "cpu"
        a = torch.randn(100, 3).half()
        d = torch.cdist(a, a)
    """
    assert lines("half-op-on-cpu", on_gpu) == []
    other_dtypes = """\
        import torch
        import torch.nn as nn
        a = torch.randn(100, 3)
        d = torch.cdist(a, a)
        b = torch.randn(100, 3).bfloat16()
        e = torch.cdist(b.float(), b.float())
        mixed = torch.cdist(a.half(), a)

        class Matcher(nn.Module):
            def __init__(self):
                super().__init__()
                self.centers = nn.Parameter(torch.randn(4, 8))

            def forward(self, x):
                return torch.cdist(x.float(), self.centers.float())

        model = Matcher().half()
        out = model(torch.randn(2, 8).half())
        float_model = Matcher()
        out = float_model(torch.randn(2, 8))
    """
    assert lines("half-op-on-cpu", other_dtypes) == []


# the corpus's declarations ----------------------------------------------------------------------------


def test_a_pasted_fragment_without_imports_is_found_under_the_entries_that_declare_the_detectors():
    source = textwrap.dedent("""\
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        criterion = nn.CrossEntropyLoss()
        x = torch.randn(64, 784)
        y = torch.randint(1, 11, (64,))
        loss = criterion(model(x), y)
        emb = torch.randn(4, 3)
        if emb.mean(dim=1) > 0:
            print("positive")
        gru = nn.GRU(16, 32, batch_first=True)
        seq = torch.randn(8, 20, 16)
        out, h = gru(seq, torch.zeros(8, 1, 32))
        targets = F.one_hot(y, num_classes=10)
    """)
    entries = {"cross-entropy-target-out-of-bounds", "tensor-bool-ambiguous", "rnn-hidden-size-mismatch",
               "one-hot-class-out-of-range"}
    found = [(f.line, f.entry_id) for f in check_source(source) if f.entry_id in entries]
    assert found == [(5, "cross-entropy-target-out-of-bounds"), (7, "tensor-bool-ambiguous"),
                     (11, "rnn-hidden-size-mismatch"), (12, "one-hot-class-out-of-range")]
