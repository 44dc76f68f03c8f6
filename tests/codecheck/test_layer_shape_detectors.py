"""Detectors of layers built with sizes that cannot fit together (consecutive widths that disagree, heads
that do not divide the embedding, a recurrent layer's tuple used as a tensor, a plain tensor put in a
parameter's place): each broken snippet is found at its line, in the user's names; each look-alike is quiet."""

from __future__ import annotations

from tests.codecheck.lines import findings, lines

# conv-channels-disagree ------------------------------------------------------------------------------


def test_consecutive_convs_and_batchnorm_in_a_sequential_fire():
    source = """\
        import torch.nn as nn
        features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.BatchNorm2d(128), nn.ReLU(),
        )
    """
    found = findings("conv-channels-disagree", source)
    assert [f.line for f in found] == [4, 5]
    assert "nn.Conv2d(32, 64, 3, padding=1) expects 32 channels (in_channels) but receives 16 from " \
           "nn.Conv2d(3, 16, 3, padding=1) (line 3)" in found[0].message
    assert "nn.BatchNorm2d(128) expects 128 channels (num_features) but receives 64" in found[1].message
    assert found[0].facts == {"expected": "32", "got": "16"}


def test_convs_chained_in_a_forward_fire_through_pooling_and_activations():
    source = """\
        import torch.nn as nn
        import torch.nn.functional as F
        C1, C2 = 32, 48

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, C1, 3)
                self.conv2 = nn.Conv2d(C2, 64, 3)
                self.block = nn.Sequential(nn.Conv2d(64, 64, 3), nn.BatchNorm2d(64), nn.ReLU())
                self.bn = nn.BatchNorm2d(128)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), 2)
                x = self.conv2(x)
                h = self.block(x)
                return self.bn(h)
    """
    found = findings("conv-channels-disagree", source)
    assert [f.line for f in found] == [15, 17]
    assert found[0].message.startswith("self.conv2 (nn.Conv2d(C2, 64, 3), line 9) expects C2 = 48 channels")
    assert "receives C1 = 32 from nn.Conv2d(1, C1, 3) (line 8)" in found[0].message
    assert "self.bn (nn.BatchNorm2d(128), line 11) expects 128 channels (num_features) but receives 64 from " \
           "nn.Conv2d(64, 64, 3) (line 10)" in found[1].message


def test_channels_last_images_into_the_first_conv_fire():
    source = """\
        import torch
        import torch.nn as nn
        images = torch.rand(8, 32, 32, 3)
        model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten())
        logits = model(images)
    """
    found = findings("conv-channels-disagree", source)
    assert [f.line for f in found] == [5]
    assert "model(images): images is [8, 32, 32, 3], 32 channels at dim 1" in found[0].message
    assert "images.permute(0, 3, 1, 2)" in found[0].message
    assert found[0].facts["got"] == "32" and found[0].facts["expected"] == "3"


def test_grayscale_batches_from_a_loader_into_an_rgb_module_fire():
    source = """\
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, TensorDataset

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Conv2d(3, 8, 3)
                self.head = nn.Linear(8, 10)

            def forward(self, x):
                h = self.stem(x).mean(dim=(2, 3))
                return self.head(h)

        X = torch.randn(100, 1, 28, 28)
        Y = torch.randint(0, 10, (100,))
        loader = DataLoader(TensorDataset(X, Y), batch_size=16)
        model = Classifier()
        for xb, yb in loader:
            out = model(xb)
    """
    found = findings("conv-channels-disagree", source)
    assert [f.line for f in found] == [20]
    assert "xb is [N, 1, 28, 28], 1 channels at dim 1" in found[0].message
    assert "grayscale, RGB and RGBA" in found[0].message


def test_matching_channels_and_unknown_sizes_are_quiet():
    source = """\
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self, cin, cout, wide=False):
                super().__init__()
                self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
                self.bn1 = nn.BatchNorm2d(cout)
                self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
                self.skip = nn.Conv2d(cin, cout, 1)
                self.merge = nn.Conv2d(2 * cout, cout, 1)
                if wide:
                    self.conv3 = nn.Conv2d(cout, 64, 1)
                else:
                    self.conv3 = nn.Conv2d(cout, 32, 1)
                self.out = nn.Conv2d(64, 10, 1)

            def forward(self, x):
                h = F.relu(self.bn1(self.conv1(x)))
                h = self.conv2(h) + self.skip(x)
                h = self.merge(torch.cat([h, h], dim=1))
                return self.out(self.conv3(h))

        seq = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 32, 3),
                            nn.Conv1d(32, 8, 1), nn.Flatten(), nn.Conv2d(99, 3, 1))
        grouped = nn.Sequential(nn.Conv2d(32, 64, 3, groups=4), nn.Conv2d(64, 64, 3, groups=64))
        images = torch.rand(8, 3, 32, 32)
        one = torch.rand(3, 32, 32)
        y = seq(images), seq(one), grouped(torch.randn(2, 32, 9, 9))
        stem = nn.Conv2d(3, 16, 3)
        rows = torch.rand(8, 3072)
        z = stem(rows.view(8, 3, 32, 32)), stem(torch.rand(8, 32, 32, 3).permute(0, 3, 1, 2))
    """
    assert lines("conv-channels-disagree", source) == []


def test_unbatched_image_and_conv1d_sequences_fire():
    source = """\
        import torch
        import torch.nn as nn
        conv = nn.Conv1d(12, 32, kernel_size=3)
        seq = torch.randn(16, 100, 12)
        out = conv(seq)
        image = torch.rand(28, 28, 3)
        stem = nn.Conv2d(3, 8, 3)
        out2 = stem(image)
    """
    found = findings("conv-channels-disagree", source)
    assert [f.line for f in found] == [5, 8]
    assert "seq is [16, 100, 12], 100 channels at dim 1" in found[0].message and "seq.permute(0, 2, 1)" in found[0].message
    assert "28 channels at dim 0 (unbatched)" in found[1].message and "image.permute(2, 0, 1).unsqueeze(0)" in found[1].message


def test_a_batch_missing_its_channel_axis_is_left_to_the_rank_entries():
    source = """\
        import torch
        import torch.nn as nn
        conv = nn.Conv1d(1, 16, 5)
        signal = torch.randn(32, 400)
        feats = conv(signal)
        rgb = nn.Conv1d(3, 16, 5)
        feats3 = rgb(signal)
        stem = nn.Conv2d(1, 8, 3)
        digits = stem(torch.rand(64, 28, 28))
    """
    assert lines("conv-channels-disagree", source) == []


# linear-widths-disagree ------------------------------------------------------------------------------


def test_stacked_linears_that_disagree_fire_in_a_sequential_and_a_forward():
    source = """\
        import torch
        import torch.nn as nn
        HIDDEN = 128
        mlp = nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, 10))

        class Tagger(nn.Module):
            def __init__(self, vocab=1000):
                super().__init__()
                self.embed = nn.Embedding(vocab, 50)
                self.fc1 = nn.Linear(64, 32)
                self.fc2 = nn.Linear(16, 4)

            def forward(self, ids):
                h = torch.tanh(self.fc1(self.embed(ids)))
                h = self.fc2(h)
                return h
    """
    found = findings("linear-widths-disagree", source)
    assert [f.line for f in found] == [4, 14, 15]
    assert "nn.Linear(256, 10) receives HIDDEN = 128 features from nn.Linear(64, HIDDEN) (line 4) but its " \
           "in_features is 256" in found[0].message
    assert found[0].facts == {"expected": "256", "got": "128", "out": "10"}
    assert "self.fc1 (nn.Linear(64, 32), line 10) receives 50 features from nn.Embedding(vocab, 50) (line 9)" \
           in found[1].message and "embedding_dim" in found[1].message
    assert "self.fc2 (nn.Linear(16, 4), line 11) receives 32 features" in found[2].message


def test_a_table_with_other_columns_than_the_first_linear_fires():
    source = """\
        import torch
        import torch.nn as nn
        X = torch.randn(64, 12)
        y = torch.randint(0, 3, (64,))
        model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
        for xb, yb in zip(X.split(16), y.split(16)):
            loss = nn.functional.cross_entropy(model(xb), yb)
        for i in range(0, 64, 16):
            out = model(X[i:i + 16].float())
    """
    found = findings("linear-widths-disagree", source)
    assert [f.line for f in found] == [7, 9]
    assert "model(xb): xb is [N, 12], 12 features in its last dim, but the first layer nn.Linear(10, 32) (line 5) " \
           "has in_features 10" in found[0].message
    assert found[0].facts == {"expected": "10", "got": "12", "out": "32"}


def test_matching_or_unknown_linear_widths_are_quiet():
    source = """\
        import torch
        import torch.nn as nn

        class MLP(nn.Module):
            def __init__(self, d_in, hidden, d_out, layers=2):
                super().__init__()
                self.fc1 = nn.Linear(d_in, hidden)
                self.fc2 = nn.Linear(hidden, d_out)
                self.gate = nn.Linear(hidden * 2, hidden)
                self.proj = nn.Linear(32, 8)

            def forward(self, x):
                h = torch.relu(self.fc1(x))
                g = self.gate(torch.cat([h, h], dim=-1))
                h = self.proj(h.view(-1, 32))
                return self.fc2(g)

        head = nn.Sequential(nn.Linear(784, 256), nn.LayerNorm(256), nn.GELU(), nn.Linear(256, 10))
        reshaped = nn.Sequential(nn.Linear(64, 128), nn.Unflatten(1, (2, 64)), nn.Linear(64, 10))
        lazy = nn.Sequential(nn.LazyLinear(128), nn.ReLU(), nn.Linear(128, 2))
        x = torch.randn(32, 784)
        out = head(x), head(x.view(32, 28, 28).flatten(1))
        seq = torch.randn(4, 20, 784)
        out2 = head(seq)
        X = torch.randn(100, 12)
        out3 = head(X @ torch.randn(12, 784))
    """
    assert lines("linear-widths-disagree", source) == []


# layernorm-width-disagrees ---------------------------------------------------------------------------


def test_layernorm_after_a_linear_of_another_width_fires():
    source = """\
        import torch.nn as nn
        D_MODEL = 256

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(128, D_MODEL)
                self.norm = nn.LayerNorm(128)

            def forward(self, x):
                return self.norm(self.proj(x))

        ffn = nn.Sequential(nn.Linear(512, 2048), nn.GELU(), nn.LayerNorm([512]))
    """
    found = findings("layernorm-width-disagrees", source)
    assert [f.line for f in found] == [11, 13]
    assert "self.norm (nn.LayerNorm(128), line 8) normalises a last dim of 128 but receives D_MODEL = 256 features " \
           "from nn.Linear(128, D_MODEL) (line 7); build it as LayerNorm(D_MODEL)" in found[0].message
    assert found[0].facts == {"normalized_shape": "[128]"}


def test_layernorm_over_a_conv_channels_first_output_fires():
    source = """\
        import torch
        import torch.nn as nn

        class SignalEncoder(nn.Module):
            def __init__(self, in_ch=4, hid=32, classes=3):
                super().__init__()
                self.conv = nn.Conv1d(in_ch, hid, kernel_size=5, padding=2)
                self.norm = nn.LayerNorm(hid)

            def forward(self, x):
                h = self.conv(x)
                h = torch.relu(self.norm(h))
                return h.mean(dim=-1)

        stem = nn.Sequential(nn.Conv2d(3, 64, 4, stride=4), nn.LayerNorm([64]))
    """
    found = findings("layernorm-width-disagrees", source)
    assert [f.line for f in found] == [12, 15]
    assert "self.norm (nn.LayerNorm(hid), line 8) normalises the last dim, but it receives the output of " \
           "nn.Conv1d(in_ch, hid, kernel_size=5, padding=2) (line 7), [N, hid, L]" in found[0].message
    assert "x.transpose(1, 2)" in found[0].message and "nn.GroupNorm(1, hid)" in found[0].message
    assert "x.permute(0, 2, 3, 1)" in found[1].message


def test_layernorm_look_alikes_are_quiet():
    source = """\
        import torch
        import torch.nn as nn

        class ConvNeXtStem(nn.Module):
            def __init__(self, dim=96, length=100):
                super().__init__()
                self.conv = nn.Conv2d(3, dim, 4, stride=4)
                self.norm = nn.LayerNorm(dim)
                self.conv1d = nn.Conv1d(4, 32, 3, padding=1)
                self.norm_time = nn.LayerNorm(length)
                self.norm_block = nn.LayerNorm([32, length])
                self.fc = nn.Linear(dim, dim * 4)
                self.norm2 = nn.LayerNorm(dim * 4)

            def forward(self, x, s):
                y = self.conv(x).permute(0, 2, 3, 1)
                y = self.norm(y)
                t = self.norm_time(self.conv1d(s))
                b = self.norm_block(self.conv1d(s))
                return self.norm2(self.fc(y)), t, b

        enc = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.LayerNorm(128))
        emb = nn.Sequential(nn.Embedding(1000, 64), nn.LayerNorm(64))
    """
    assert lines("layernorm-width-disagrees", source) == []


# heads-do-not-divide-embed-dim -----------------------------------------------------------------------


def test_heads_that_do_not_divide_the_width_fire():
    source = """\
        import torch.nn as nn
        FEATURES, SEQ, CLASSES = 100, 12, 3
        GLOVE_DIM = 300

        class SequenceClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.TransformerEncoderLayer(d_model=FEATURES, nhead=8, batch_first=True)
                self.attn = nn.MultiheadAttention(GLOVE_DIM, 16)
                self.head = nn.Linear(FEATURES, CLASSES)

        box_features = 2048 + 4
        decoder = nn.TransformerDecoderLayer(box_features, 16)
        model = nn.Transformer(d_model=100)
    """
    found = findings("heads-do-not-divide-embed-dim", source)
    assert [f.line for f in found] == [8, 9, 13, 14]
    assert "d_model FEATURES = 100 is not divisible by nhead 8 (100 / 8 = 12.5)" in found[0].message
    assert "(1, 2, 4, 5, 10, 20, 25, 50)" in found[0].message and "nn.Linear(100, 104)" in found[0].message
    assert found[0].facts == {"d_model": "100", "nhead": "8"}
    assert "embed_dim GLOVE_DIM = 300 is not divisible by num_heads 16" in found[1].message
    assert "d_model box_features = 2052 is not divisible by nhead 16" in found[2].message
    assert "nhead 8 (its default)" in found[3].message


def test_heads_that_divide_or_unknown_sizes_are_quiet():
    source = """\
        import torch.nn as nn
        D_MODEL = 512

        class Encoder(nn.Module):
            def __init__(self, d_model=100, nhead=8, config=None):
                super().__init__()
                self.layer = nn.TransformerEncoderLayer(d_model, nhead)
                self.attn = nn.MultiheadAttention(config.hidden, config.heads)
                self.cross = nn.MultiheadAttention(D_MODEL, 8, kdim=100, vdim=100)
                self.full = nn.Transformer()
                self.other = nn.Transformer(d_model=96, nhead=12)

        width = 100
        if True:
            width = 128
        layer = nn.TransformerEncoderLayer(width, 8)
        heads = [nn.MultiheadAttention(64, h) for h in (1, 2, 4)]
    """
    assert lines("heads-do-not-divide-embed-dim", source) == []


# plain-tensor-into-parameter -------------------------------------------------------------------------


def test_plain_tensors_assigned_over_layer_parameters_fire():
    source = """\
        import numpy as np
        import torch
        import torch.nn as nn
        VOCAB, DIM = 50, 8
        pretrained = torch.randn(VOCAB, DIM)

        class BagOfWords(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(VOCAB, DIM)
                self.out = nn.Linear(DIM, VOCAB)
                self.out.bias = torch.zeros(VOCAB)

            def tie(self):
                self.out.weight = self.embed.weight.t()

        model = BagOfWords()
        model.embed.weight = pretrained.clone()
        glove = np.load("glove.npy")
        model.embed.weight = torch.from_numpy(glove)
        layer = nn.Linear(3, 3, bias=False)
        layer.weight = torch.eye(3)
        net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
        net[0].bias = np.zeros(4)
        lstm = nn.LSTM(8, 16)
        lstm.weight_hh_l0 = lstm.weight_hh_l0 * 0.5
    """
    found = findings("plain-tensor-into-parameter", source)
    assert [f.line for f in found] == [12, 15, 18, 20, 22, 24, 26]
    assert found[2].message.startswith("model.embed.weight = pretrained.clone(): model.embed is "
                                       "nn.Embedding(VOCAB, DIM) (line 10), so weight is a registered parameter")
    assert "torch.no_grad(): model.embed.weight.copy_(...)" in found[2].message
    assert found[2].facts == {"name": "'weight'"}
    assert "self.out is nn.Linear(DIM, VOCAB) (line 11)" in found[0].message and "zeros(...)" in found[0].message
    assert ".t() of it is no Parameter" in found[1].message
    assert "a NumPy array" in found[5].message and "net[0] is nn.Conv2d(1, 4, 3)" in found[5].message


def test_a_module_parameter_replaced_by_a_tensor_after_init_fires():
    source = """\
        import torch
        import torch.nn as nn

        class Scaler(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(1))
                self.scale = torch.ones(1) * 2

            def reset(self):
                self.scale = torch.ones(1)

        m = Scaler()
        m.scale = 0.5
    """
    found = findings("plain-tensor-into-parameter", source)
    assert [f.line for f in found] == [8, 11, 14]
    assert "Scaler.__init__ made self.scale an nn.Parameter (line 7)" in found[1].message
    assert "a number" in found[2].message


def test_parameters_none_copies_and_unknown_values_are_quiet():
    source = """\
        import torch
        import torch.nn as nn

        class Decoder(nn.Module):
            def __init__(self, vocab, dim, tied=None):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)
                self.out = nn.Linear(dim, vocab)
                self.out.weight = self.embed.weight
                self.out.bias = None
                self.mask = torch.ones(vocab)
                self.mask = torch.zeros(vocab)
                if tied is not None:
                    self.scale = nn.Parameter(torch.ones(1))
                else:
                    self.scale = torch.ones(1)
                self.gain = nn.Parameter(torch.ones(1))

            def load(self, tensor, other):
                with torch.no_grad():
                    self.embed.weight.copy_(tensor)
                self.embed.weight.data = tensor.clone()
                self.out.weight = nn.Parameter(tensor.t().clone())
                self.out.weight = other.weight
                self.out.weight = nn.init.xavier_uniform_(self.out.weight)
                self.out.weight = self.out.weight.to("cpu")
                self.gain = nn.Parameter(self.gain * 2)

        layer = nn.Linear(3, 3)
        layer.weight = torch.nn.Parameter(torch.eye(3))
        norm = nn.BatchNorm1d(3)
        norm.running_mean = torch.zeros(3)
        class Plain:
            pass
        p = Plain()
        p.weight = torch.zeros(3)
        w = torch.randn(3, 3)
        for w in [torch.eye(3)]:
            pass
        layer.weight = w if False else layer.weight
    """
    assert lines("plain-tensor-into-parameter", source) == []


def test_a_parameter_deleted_first_may_take_a_tensor():
    source = """\
        import torch
        import torch.nn as nn
        layer = nn.Linear(3, 3)
        del layer.weight
        layer.weight = torch.eye(3)
    """
    assert lines("plain-tensor-into-parameter", source) == []


# rnn-output-used-as-tensor ---------------------------------------------------------------------------


def test_a_recurrent_layer_followed_by_a_layer_in_a_sequential_fires():
    source = """\
        import torch.nn as nn
        B, T, F, CLASSES = 6, 12, 8, 3
        model = nn.Sequential(
            nn.LSTM(F, 32, batch_first=True),
            nn.Linear(32, CLASSES),
        )
        encoder = nn.Sequential(nn.Embedding(100, 16), nn.GRU(16, 16), nn.Dropout(0.1))
        last = nn.Sequential(nn.Embedding(100, 16), nn.GRU(16, 16))
    """
    found = findings("rnn-output-used-as-tensor", source)
    assert [f.line for f in found] == [5, 7]
    assert found[0].message.startswith("nn.Linear(32, CLASSES) in nn.Sequential receives the tuple "
                                       "(output, (h_n, c_n)) that nn.LSTM(F, 32, batch_first=True) (line 4) returns")
    assert "(output, h_n)" in found[1].message


def test_a_recurrent_result_used_as_a_tensor_in_a_forward_fires():
    source = """\
        import torch
        import torch.nn as nn

        class SequenceClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 32, batch_first=True)
                self.gru = nn.GRU(8, 32)
                self.cell = nn.LSTMCell(8, 32)
                self.head = nn.Linear(32, 3)

            def forward(self, x):
                output = self.lstm(x)
                last = output[:, -1]
                g = self.head(self.gru(x))
                b, t, _ = self.gru(x).size()
                h = torch.tanh(self.cell(x[:, 0]))
                return self.head(last) + g

        rnn = nn.RNN(4, 4)
        y = rnn(torch.randn(5, 2, 4))
        print(y.shape)
    """
    found = findings("rnn-output-used-as-tensor", source)
    assert [f.line for f in found] == [14, 15, 16, 17, 22]
    assert found[0].message == ("output[:, -1] indexes it as a tensor, but self.lstm(x) (line 13) returns a tuple "
                                "(output, (h_n, c_n)), not a tensor: unpack it first, "
                                "`output, (h_n, c_n) = self.lstm(x)`")
    assert "self.head(self.gru(x)) gives it to a Linear" in found[1].message
    assert "self.gru(x).size() calls a tensor method" in found[2].message
    assert "torch.tanh(self.cell(x[:, 0])) takes a tensor" in found[3].message and "(h, c)" in found[3].message
    assert "y.shape reads a tensor attribute" in found[4].message


def test_unpacked_or_indexed_recurrent_results_are_quiet():
    source = """\
        import torch
        import torch.nn as nn
        from mylib import LSTM as MyLSTM

        class Unpack(nn.Module):
            def forward(self, x):
                return x[0]

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 32, batch_first=True, bidirectional=True)
                self.gru = nn.GRU(8, 32)
                self.cell = nn.GRUCell(8, 32)
                self.custom = MyLSTM(8, 32)
                self.head = nn.Linear(64, 3)

            def forward(self, x, state=None):
                output, (h_n, c_n) = self.lstm(x)
                result = self.gru(x)
                seq = result[0]
                hidden = result[-1]
                out = self.lstm(x)
                out = out[0]
                h = self.cell(x[:, 0])
                z = self.custom(x).shape
                packed = self.gru(x)
                return self.head(output[:, -1]), h.shape, out.shape, seq, hidden, packed

        model = nn.Sequential(nn.LSTM(8, 32), Unpack(), nn.Linear(32, 2))
        rnn = nn.RNN(4, 4)
        y, h = rnn(torch.randn(5, 2, 4))
        pieces = torch.cat(rnn(torch.randn(5, 2, 4)), dim=0) if False else None
    """
    assert lines("rnn-output-used-as-tensor", source) == []


def test_sizes_and_models_the_code_does_not_fix_are_quiet():
    source = """\
        import torch
        import torch.nn as nn
        HIDDEN = 64
        model = nn.Sequential(nn.Linear(10, HIDDEN), nn.ReLU(), nn.Linear(32, 2))

        def configure(size):
            global HIDDEN
            HIDDEN = size

        def evaluate(model):
            x = torch.randn(4, 12)
            return model(x)

        X = torch.randn(64, 12)
        for xb in X.split(16):
            xb = xb[:, :10]
            out = model(xb)
    """
    assert lines("linear-widths-disagree", source) == []


def test_pasted_fragments_without_imports_are_judged_too():
    source = """\
        encoder = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(128, 64))
        attn = nn.MultiheadAttention(embed_dim=300, num_heads=8)
        emb = nn.Embedding(1000, 50)
        emb.weight = torch.tensor(vectors)
        rnn = nn.Sequential(nn.GRU(50, 64, batch_first=True), nn.Linear(64, 2))
        norm_after = nn.Sequential(nn.Linear(64, 32), nn.LayerNorm(64))
        convs = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(16, 32, 3))
    """
    assert lines("linear-widths-disagree", source) == [1]
    assert lines("heads-do-not-divide-embed-dim", source) == [2]
    assert lines("plain-tensor-into-parameter", source) == [4]
    assert lines("rnn-output-used-as-tensor", source) == [5]
    assert lines("layernorm-width-disagrees", source) == [6]
    assert lines("conv-channels-disagree", source) == [7]


def test_an_lstm_state_pair_used_as_a_tensor_fires_and_a_gru_state_is_quiet():
    source = """\
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(8, 32, batch_first=True)
                self.gru = nn.GRU(8, 32, batch_first=True)
                self.head = nn.Linear(32, 3)

            def forward(self, x):
                output, hidden = self.lstm(x)
                states, h_n = self.gru(x)
                last = self.head(h_n[-1])
                return self.head(hidden[-1]), hidden.size(0), last, h_n.shape
    """
    found = findings("rnn-output-used-as-tensor", source)
    assert [f.line for f in found] == [14]
    assert found[0].message.startswith("hidden.size(0) calls a tensor method, but hidden is the second value of "
                                       "self.lstm(x) (line 11), an LSTM's state pair (h_n, c_n)")


def test_inputs_reshaped_permuted_or_drawn_from_a_loader_in_a_notebook_fire():
    source = """\
        import torch
        import torch.nn as nn
        from torch.utils.data import DataLoader, TensorDataset
        train_ds = TensorDataset(torch.rand(256, 1, 28, 28), torch.randint(0, 10, (256,)))
        train_loader = DataLoader(train_ds, batch_size=64, shuffle=True)
        model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten())
        images, labels = next(iter(train_loader))
        images = images.to("cpu")
        out = model(images)
        rows = torch.rand(32, 784)
        out2 = model(rows.view(-1, 1, 28, 28))
        hwc = torch.rand(8, 3, 32, 32)
        out3 = model(hwc.permute(0, 2, 3, 1))
        mlp = nn.Sequential(nn.Linear(512, 10))
        out4 = mlp(torch.rand(8, 16, 32).view(8, -1))
        out5 = mlp(torch.rand(8, 512).unsqueeze(1))
    """
    assert lines("conv-channels-disagree", source) == [9, 11, 13]
    assert "images is [N, 1, 28, 28], 1 channels at dim 1" in findings("conv-channels-disagree", source)[0].message
    assert lines("linear-widths-disagree", source) == []


def test_layernorm_given_a_tensor_that_ends_in_other_sizes_fires():
    source = """\
        import torch
        import torch.nn as nn
        norm = nn.LayerNorm(256)
        h = torch.randn(4, 256, 10)
        y = norm(h)
        maps = nn.LayerNorm([64, 32, 32])
        digits = torch.rand(16, 64, 28, 28)
        z = maps(digits)
        ok = norm(torch.randn(4, 10, 256)), maps(torch.rand(16, 64, 32, 32)), norm(h.transpose(1, 2))
    """
    found = findings("layernorm-width-disagrees", source)
    assert [f.line for f in found] == [5, 8]
    assert found[0].message == ("norm(h): h is [4, 256, 10], but nn.LayerNorm(256) (line 3) normalises its last dim, "
                                "which must be 256, not 10; the features are at dim 1: normalise h.transpose(1, -1) "
                                "and transpose back")
    assert found[0].facts == {"normalized_shape": "[256]", "input_size": "[4, 256, 10]"}
    assert "its last 3 dims, which must be [64, 32, 32], not [64, 28, 28]" in found[1].message


def test_constructor_defaults_count_when_every_construction_in_the_file_keeps_them():
    source = """\
        import torch
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, d_model=100, nhead=8, in_channels=3):
                super().__init__()
                self.layer = nn.TransformerEncoderLayer(d_model, nhead, batch_first=True)
                self.stem = nn.Conv2d(in_channels, 16, 3)

            def forward(self, x):
                return self.stem(x)

        model = Encoder()
        twin = Encoder(nhead=8)
        out = model(torch.randn(2, 1, 28, 28))
    """
    found = findings("heads-do-not-divide-embed-dim", source)
    assert [f.line for f in found] == [7]
    assert "d_model = 100 is not divisible by nhead = 8" in found[0].message
    assert lines("conv-channels-disagree", source) == [15]


def test_constructor_arguments_that_differ_or_escape_and_swapped_layers_are_quiet():
    source = """\
        import torch
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, d_model=100, nhead=8):
                super().__init__()
                self.layer = nn.TransformerEncoderLayer(d_model, nhead)

        class Wide(Encoder):
            pass

        class Block(nn.Module):
            def __init__(self, heads=8):
                super().__init__()
                self.attn = nn.MultiheadAttention(100, heads)

        class CNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Conv2d(3, 16, 3)
                self.fc = nn.Linear(10, 2)

            def forward(self, x):
                return self.stem(x)

        a, b = Encoder(), Encoder(d_model=128)
        blocks = [Block(h) for h in (4, 5)]
        kind = Block
        model = CNN()
        model.stem = nn.Conv2d(1, 16, 3)
        out = model(torch.randn(8, 1, 32, 32))
        seq = nn.Sequential(nn.Linear(10, 4), nn.ReLU())
        seq[0] = nn.Linear(12, 4)
        y = seq(torch.randn(3, 12))
        model.fc = nn.Identity()
        model.fc.weight = torch.zeros(2, 10)
    """
    assert lines("heads-do-not-divide-embed-dim", source) == []
    assert lines("conv-channels-disagree", source) == []
    assert lines("linear-widths-disagree", source) == []
    assert lines("plain-tensor-into-parameter", source) == []


def test_models_moved_to_a_device_when_built_are_still_judged():
    source = """\
        import torch
        import torch.nn as nn
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)

            def forward(self, x):
                return self.conv(x)

        mlp = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1)).to(device)
        X = torch.randn(100, 12)
        for xb in X.split(20):
            pred = mlp(xb.to(device))
        net = Net().to(device).eval()
        out = net(torch.rand(4, 1, 28, 28, device=device))
    """
    assert lines("linear-widths-disagree", source) == [16]
    assert lines("conv-channels-disagree", source) == [18]


def test_numpy_images_and_tables_made_with_literal_sizes_are_followed():
    source = """\
        import numpy as np
        import torch
        import torch.nn as nn
        rng = np.random.default_rng(0)
        images = rng.integers(0, 255, size=(8, 32, 32, 3), dtype=np.uint8)
        x = torch.from_numpy(images).float() / 255.0
        net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU())
        out = net(x)
        table = np.random.rand(64, 12).astype(np.float32)
        mlp = nn.Sequential(nn.Linear(10, 1))
        pred = mlp(torch.tensor(table))
        fine = net(torch.from_numpy(np.zeros((8, 3, 32, 32), dtype=np.float32)))
        also_fine = mlp(torch.as_tensor(np.random.randn(5, 10)) * 2)
    """
    found = findings("conv-channels-disagree", source)
    assert [f.line for f in found] == [8]
    assert "x is [8, 32, 32, 3], 32 channels at dim 1" in found[0].message and "x.permute(0, 3, 1, 2)" in found[0].message
    assert lines("linear-widths-disagree", source) == [11]


def test_a_layer_subclass_replacing_its_inherited_parameter_fires():
    source = """\
        import torch
        import torch.nn as nn

        class FixedLinear(nn.Linear):
            def __init__(self, n):
                super().__init__(n, n)
                self.weight = torch.eye(n)

            def reset_parameters(self):
                self.bias = None

        class Scaled(nn.Linear):
            def __init__(self, n):
                self.extra = torch.ones(n)
                super().__init__(n, n)
                self.gain = torch.ones(n)
    """
    found = findings("plain-tensor-into-parameter", source)
    assert [f.line for f in found] == [7]
    assert "FixedLinear is an nn.Linear, whose __init__ registered self.weight" in found[0].message


def test_layers_of_the_same_name_from_elsewhere_are_not_judged():
    source = """\
        import torch
        import torch.nn as nn
        from mylib.layers import Linear as QLinear, Conv2d

        class Linear(nn.Module):
            def __init__(self, out_features, in_features):
                super().__init__()
                self.weight = nn.Parameter(torch.randn(out_features, in_features))

        head = nn.Sequential(Linear(10, 64), Linear(32, 10))
        convs = nn.Sequential(Conv2d(3, 16, 3), Conv2d(32, 8, 3))
        quant = nn.Sequential(QLinear(64, 10), QLinear(20, 2))
    """
    assert lines("linear-widths-disagree", source) == []
    assert lines("conv-channels-disagree", source) == []


def test_an_attention_class_of_the_same_name_from_elsewhere_is_not_judged():
    source = """\
        from mylib import MultiheadAttention
        attn = MultiheadAttention(100, 8)
        from torch.nn import TransformerEncoderLayer
        layer = TransformerEncoderLayer(100, 8)
    """
    assert lines("heads-do-not-divide-embed-dim", source) == [4]
