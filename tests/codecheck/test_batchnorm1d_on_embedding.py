"""batchnorm1d-on-embedding: BatchNorm1d on an Embedding's [B, L, D] output, with no transpose."""

from __future__ import annotations

from tests.codecheck.lines import findings, lines

DETECTOR = "batchnorm1d-on-embedding"


def test_batchnorm1d_right_after_the_embedding_fires():
    source = """\
        import torch.nn as nn
        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(1000, 128)
                self.bn = nn.BatchNorm1d(128)
            def forward(self, ids):
                x = self.emb(ids)
                x = self.bn(x)
                return self.bn(self.emb(ids))
        net = nn.Sequential(nn.Embedding(10, 8), nn.BatchNorm1d(8))
    """
    assert lines(DETECTOR, source) == [9, 10, 11]
    first = findings(DETECTOR, source)[0]
    assert first.facts == {"num_features": "128"} and first.message.startswith("BatchNorm1d(128) receives")


def test_a_transposed_embedding_or_other_inputs_are_quiet():
    source = """\
        import torch.nn as nn
        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(1000, 128)
                self.bn = nn.BatchNorm1d(128)
                self.fc = nn.Linear(128, 128)
            def forward(self, ids):
                x = self.emb(ids)
                x = self.bn(x.transpose(1, 2)).transpose(1, 2)
                y = self.bn(self.fc(ids))
                z = self.emb(ids).mean(1)
                return self.bn(z)
        def pooled(emb, bn, ids):
            return bn(emb(ids))   # what emb and bn are is unknown here
        net = nn.Sequential(nn.Embedding(10, 8), nn.Flatten(), nn.BatchNorm1d(80))
    """
    assert lines(DETECTOR, source) == []
