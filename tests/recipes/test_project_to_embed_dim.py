from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import project_to_embed_dim as recipe

TEXT_CLASSIFIER = '''\
import argparse
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--emb", type=int, default=48)
parser.add_argument("--d-model", type=int, default=64)
args = parser.parse_args([])


class AttentionClassifier(nn.Module):
    def __init__(self, vocab, emb_dim, d_model, heads=4, classes=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb_dim)
        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, classes)

    def forward(self, ids):
        x = self.emb(ids)
        out, _ = self.attn(x, x, x)
        x = self.norm(x + out)
        return self.head(x.mean(1))


model = AttentionClassifier(100, args.emb, args.d_model)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
ids = torch.randint(0, 100, (4, 12))
labels = torch.tensor([0, 2, 1, 0])
for step in range(2):
    logits = model(ids)
    loss = nn.functional.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

MEANT = '''
projections = [m for m in model.modules() if isinstance(m, nn.Linear) and m.in_features == 48]
assert len(projections) == 1 and projections[0].out_features == 64
assert logits.shape == (4, 3)
assert projections[0].weight.grad is not None   # trained with the model
'''

BACKBONE_ENCODER = '''\
import torch
from torch import nn

FEATURES, D_MODEL = 96, 128


class FrameEncoder(nn.Module):
    """Per-frame CNN features, then a Transformer over time."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(512, FEATURES), nn.ReLU())
        layer = nn.TransformerEncoderLayer(D_MODEL, nhead=8, dim_feedforward=256, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)

    def forward(self, frames):
        return self.encoder(self.backbone(frames))


clips = torch.randn(2, 16, 512)
encoded = FrameEncoder()(clips)
'''

CHANNELS_FIRST = '''\
import torch
import torch.nn as nn


class SignalAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 32, 5, padding=2)
        self.attn = nn.MultiheadAttention(32, 4, batch_first=True)

    def forward(self, signal):
        h = self.conv(signal)          # [batch, 32, length]
        out, _ = self.attn(h, h, h)
        return out


SignalAttention()(torch.randn(8, 1, 100))
'''


def test_projects_the_query_in_front_of_the_attention(sandbox):
    patched = patch(recipe, TEXT_CLASSIFIER, sandbox.facts(TEXT_CLASSIFIER, "AssertionError"))
    assert ("        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=True)\n"
            "        self.attn_proj = nn.Linear(emb_dim, d_model)\n") in patched
    assert "        x = self.attn_proj(x)\n        out, _ = self.attn(x, x, x)\n" in patched
    sandbox.assert_clean(patched + MEANT)
    sandbox.assert_clean(patched.replace("default=48", "default=40"))  # the width the Embedding spells


def test_wraps_a_query_that_is_an_expression(sandbox):
    patched = patch(recipe, BACKBONE_ENCODER, sandbox.facts(BACKBONE_ENCODER, "AssertionError"))
    assert "self.encoder_proj = nn.Linear(96, D_MODEL)" in patched   # the stacked layer's spelling
    assert "return self.encoder(self.encoder_proj(self.backbone(frames)))" in patched
    sandbox.assert_clean(patched + "assert encoded.shape == (2, 16, D_MODEL)\n")


def test_channels_first_conv_features_are_left_alone(sandbox):
    facts = sandbox.facts(CHANNELS_FIRST, "AssertionError")
    assert "was expecting embedding dimension of 32, but got 100" in facts.message
    assert not applies(recipe, CHANNELS_FIRST, facts)


KEYWORD_QUERY = '''\
import torch
from torch import nn

torch.manual_seed(1)


class Pool(nn.Module):
    def __init__(self, in_dim=40, attn_dim=32, heads=4):
        super().__init__()
        self.mha = nn.MultiheadAttention(embed_dim=attn_dim, num_heads=heads, batch_first=True)

    def forward(self, feats):
        pooled, _ = self.mha(query=feats, key=feats, value=feats)
        return pooled.mean(1)


pool = Pool()
out = pool(torch.randn(6, 10, 40))
'''

CONFIG_ENCODER = '''\
import torch
import torch.nn as nn

config = {"vocab_size": 200, "hidden": 32, "d_model": 64, "nhead": 4, "layers": 2, "classes": 5}


class SentenceModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed = nn.Embedding(cfg["vocab_size"], cfg["hidden"])
        block = nn.TransformerEncoderLayer(cfg["d_model"], cfg["nhead"], batch_first=True)
        self.encoder = nn.TransformerEncoder(block, cfg["layers"])
        self.cls = nn.Linear(cfg["d_model"], cfg["classes"])

    def forward(self, tokens):
        h = self.embed(tokens)
        h = self.encoder(h)
        return self.cls(h[:, 0])


model = SentenceModel(config)
logits = model(torch.randint(0, 200, (8, 16)))
logits.sum().backward()
'''


def test_query_given_by_keyword(sandbox):
    patched = patch(recipe, KEYWORD_QUERY, sandbox.facts(KEYWORD_QUERY, "AssertionError"))
    assert "        self.mha_proj = nn.Linear(40, attn_dim)\n" in patched
    assert "        feats = self.mha_proj(feats)\n        pooled, _ = self.mha(query=feats" in patched
    sandbox.assert_clean(patched + "assert out.shape == (6, 32)\n")


def test_width_of_the_layer_an_encoder_stacks(sandbox):
    patched = patch(recipe, CONFIG_ENCODER, sandbox.facts(CONFIG_ENCODER, "AssertionError"))
    assert "        self.encoder_proj = nn.Linear(32, cfg[\"d_model\"])\n" in patched
    assert "        h = self.encoder_proj(h)\n        h = self.encoder(h)\n" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (8, 5) and model.encoder_proj.weight.grad is not None\n")


SENSOR_LOOP = '''\
import torch
import torch.nn as nn

N_SENSORS, WIDTH = 10, 16
series = torch.randn(8, 20, N_SENSORS)
y = torch.randn(8, 1)
enc = nn.TransformerEncoder(
    nn.TransformerEncoderLayer(d_model=WIDTH, nhead=4, dim_feedforward=32, batch_first=True),
    num_layers=1,
)
regressor = nn.Linear(WIDTH, 1)
opt = torch.optim.Adam([*enc.parameters(), *regressor.parameters()], lr=1e-2)
for xb, yb in zip(series.split(4), y.split(4)):
    z = enc(xb)
    loss = nn.functional.mse_loss(regressor(z.mean(dim=1)), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

PROJECTION_TRAINED = '''
trained = {id(p) for group in opt.param_groups for p in group["params"]}
assert all(id(p) in trained for p in enc_proj.parameters())
assert enc_proj.in_features == 10 and enc_proj.out_features == 16
'''


def test_a_script_level_projection_is_trained_by_the_optimizer(sandbox):
    patched = patch(recipe, SENSOR_LOOP, sandbox.facts(SENSOR_LOOP, "AssertionError"))
    assert "Adam([*enc.parameters(), *regressor.parameters(), *enc_proj.parameters()], lr=1e-2)" in patched
    sandbox.assert_clean(patched + PROJECTION_TRAINED)


SEQ2SEQ = '''\
import torch
import torch.nn as nn

D = 16
src_embed = nn.Embedding(30, 24)
tgt_embed = nn.Embedding(30, D)
model = nn.Transformer(d_model=D, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                       dim_feedforward=32, dropout=0.0, batch_first=True)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
src = torch.randint(0, 30, (2, 7))
tgt = torch.randint(0, 30, (2, 5))
hidden = model(src_embed(src), tgt_embed(tgt), tgt_mask=model.generate_square_subsequent_mask(5))
hidden.sum().backward()
opt.step()
'''

SOURCE_PROJECTED = '''
assert model_proj.in_features == 24 and model_proj.out_features == D and hidden.shape == (2, 5, D)
trained = {id(p) for group in opt.param_groups for p in group["params"]}
assert all(id(p) in trained for p in model_proj.parameters()) and model_proj.weight.grad is not None
'''


def test_transformer_projects_the_input_of_another_width(sandbox):
    patched = patch(recipe, SEQ2SEQ, sandbox.facts(SEQ2SEQ, "RuntimeError"))
    assert "hidden = model(model_proj(src_embed(src)), tgt_embed(tgt), tgt_mask=" in patched
    sandbox.assert_clean(patched + SOURCE_PROJECTED)


def test_not_for_a_conv_front_end_in_a_sequential(sandbox):
    """Channels-first conv features: projecting the length axis would run and mean nothing."""
    from tests.recipes.test_conv_features_last import SEQUENTIAL_FRONT_END
    facts = sandbox.facts(SEQUENTIAL_FRONT_END, "AssertionError")
    assert not applies(recipe, SEQUENTIAL_FRONT_END, facts)
