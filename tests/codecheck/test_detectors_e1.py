"""Detectors for entries that declared none (e1): each fires on its situation written in several
shapes, and stays quiet on the correct look-alikes."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- backward-gradient-count: a custom Function's backward returns too few or too many values ----

GRAD_REVERSE = """
import torch

class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return {ret}
"""

QUANTISER_MODULE = """
import torch
import torch.nn as nn
from torch.autograd import Function

class RoundSTE(Function):
    @staticmethod
    def forward(ctx, x, bits, signed):
        scale = 2 ** bits - 1
        return torch.round(x * scale) / scale

    @staticmethod
    def backward(ctx, grad):
        g = grad.clone()
        return {ret}

class Quant(nn.Module):
    def forward(self, x):
        return RoundSTE.apply(x, 4, True)
"""

TRAINING_LOOP = """
import torch
import torch.nn as nn

class Clip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lo, hi=1.0):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        inside = (x >= ctx.lo) & (x <= ctx.hi)
        if not ctx.needs_input_grad[0]:
            return {ret}
        return {ret}

model = nn.Linear(4, 4)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    out = Clip.apply(model(torch.randn(8, 4)), -0.5, 0.5)
    out.sum().backward()
    opt.step()
"""


@pytest.mark.parametrize("source, line", [
    (GRAD_REVERSE.format(ret="-ctx.alpha * grad_output"), 12),
    (GRAD_REVERSE.format(ret="grad_output.neg() * ctx.alpha, None, grad_output"), 12),
    (QUANTISER_MODULE.format(ret="g"), 15),
    (QUANTISER_MODULE.format(ret="g, None"), 15),
    (TRAINING_LOOP.format(ret="grad_out * inside"), 17),
])
def test_a_backward_with_another_number_of_values_than_inputs_fires(source, line):
    assert lines("backward-gradient-count", source)[:1] == [line]


@pytest.mark.parametrize("source", [
    GRAD_REVERSE.format(ret="-ctx.alpha * grad_output, None"),
    QUANTISER_MODULE.format(ret="g, None, None"),
    TRAINING_LOOP.format(ret="grad_out * inside, None, None"),
    # surplus Nones are dropped by autograd
    GRAD_REVERSE.format(ret="-ctx.alpha * grad_output, None, None").replace("x, alpha", "x, alpha, eps"),
    # a helper's result or a tuple built elsewhere: the count is not in the code
    GRAD_REVERSE.format(ret="helper(ctx, grad_output)"),
    GRAD_REVERSE.format(ret="(*grads, None)"),
    # forward(*inputs) takes any number
    GRAD_REVERSE.format(ret="grad_output").replace("forward(ctx, x, alpha)", "forward(ctx, *inputs)"),
    # a plain class with forward/backward that is no autograd Function
    GRAD_REVERSE.format(ret="grad_output").replace("torch.autograd.Function", "object"),
])
def test_one_gradient_per_input_or_an_unknown_count_is_quiet(source):
    assert lines("backward-gradient-count", source) == []


def test_setup_context_style_counts_every_forward_argument():
    source = """
    import torch

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(x, factor):
            return x * factor

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.factor = inputs[1]

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor{extra}
    """
    assert lines("backward-gradient-count", source.format(extra="")) == [15]
    assert lines("backward-gradient-count", source.format(extra=", None")) == []


# ---- sqrt-of-self-distance: sqrt of a tensor's squared distances to itself, 0 on the diagonal ----

CONTRASTIVE_SCRIPT = """
import torch

emb = torch.randn(16, 32, requires_grad=True)
labels = torch.randint(0, 4, (16,))
diff = emb.unsqueeze(1) - emb.unsqueeze(0)
dist = {dist}
same = labels[:, None] == labels[None, :]
loss = (dist * same).mean() - (dist * ~same).clamp(max=1.0).mean()
loss.backward()
"""

TRIPLET_MODULE = """
import torch
import torch.nn as nn

class Embedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(10, 8)

    def forward(self, x):
        return self.net(x)

def pairwise(z):
    sq = ((z[:, None, :] - z[None, :, :]) ** 2).sum(dim=2)
    return {root}

model = Embedder()
opt = torch.optim.Adam(model.parameters())
for batch in loader:
    d = pairwise(model(batch))
    loss = d.mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize("source, line", [
    (CONTRASTIVE_SCRIPT.format(dist="diff.pow(2).sum(-1).sqrt()"), 7),
    (CONTRASTIVE_SCRIPT.format(dist="torch.sqrt((diff * diff).sum(dim=-1))"), 7),
    (CONTRASTIVE_SCRIPT.format(dist="diff.square().sum(2) ** 0.5"), 7),
    (TRIPLET_MODULE.format(root="sq.sqrt()"), 15),
    (TRIPLET_MODULE.format(root="torch.pow(sq, 0.5)"), 15),
])
def test_sqrt_of_self_distances_of_a_tensor_with_gradient_fires(source, line):
    assert lines("sqrt-of-self-distance", source) == [line]


@pytest.mark.parametrize("source", [
    CONTRASTIVE_SCRIPT.format(dist="(diff.pow(2).sum(-1) + 1e-12).sqrt()"),
    CONTRASTIVE_SCRIPT.format(dist="diff.pow(2).sum(-1).clamp_min(1e-12).sqrt()"),
    CONTRASTIVE_SCRIPT.format(dist="diff.pow(2).sum(-1)"),
    CONTRASTIVE_SCRIPT.format(dist="torch.cdist(emb, emb)"),
    # distances between two different tensors have no forced zero
    CONTRASTIVE_SCRIPT.format(dist="diff.pow(2).sum(-1).sqrt()").replace(
        "emb.unsqueeze(1) - emb.unsqueeze(0)", "emb.unsqueeze(1) - centers.unsqueeze(0)"),
    # data points without gradient, or under no_grad, get no backward through the sqrt
    CONTRASTIVE_SCRIPT.format(dist="diff.pow(2).sum(-1).sqrt()").replace("requires_grad=True", "requires_grad=False"),
    TRIPLET_MODULE.format(root="sq.sqrt()").replace("d = pairwise(model(batch))", "d = pairwise(batch)"),
    TRIPLET_MODULE.format(root="sq.sqrt()").replace("    d = pairwise", "    with torch.no_grad():\n        d = pairwise")
    .replace("    sq = ", "    with torch.no_grad():\n        sq = ").replace("    return sq", "        return sq"),
])
def test_an_eps_another_tensor_or_no_gradient_is_quiet(source):
    assert lines("sqrt-of-self-distance", source) == []


# ---- inference-tensor-into-training: a tensor made under inference_mode fed to a trained model ----

LINEAR_PROBE = """
import torch
import torch.nn as nn

backbone = nn.Sequential(nn.Linear(20, 32), nn.ReLU()).eval()
head = nn.Linear(32, 5)
opt = torch.optim.SGD(head.parameters(), lr=0.1)
images, labels = torch.randn(64, 20), torch.randint(0, 5, (64,))
with {mode}:
    features = backbone(images)
{between}
for epoch in range(3):
    loss = nn.functional.cross_entropy(head(features), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

CACHED_BY_FUNCTION = """
import torch
import torch.nn as nn

encoder = nn.Linear(16, 16)
decoder = nn.Linear(16, 16)
optimizer = torch.optim.Adam(decoder.parameters())

@{mode}
def encode(batch):
    return encoder(batch)

def train_step(batch):
    codes = encode(batch)
    recon = decoder(codes)
    loss = (recon - batch).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


@pytest.mark.parametrize("source, line", [
    (LINEAR_PROBE.format(mode="torch.inference_mode()", between=""), 13),
    (LINEAR_PROBE.format(mode="torch.inference_mode()", between="print(features.shape)"), 13),
    (CACHED_BY_FUNCTION.format(mode="torch.inference_mode()"), 15),
])
def test_an_inference_tensor_fed_to_a_trained_model_fires(source, line):
    assert lines("inference-tensor-into-training", source) == [line]


@pytest.mark.parametrize("source", [
    LINEAR_PROBE.format(mode="torch.no_grad()", between=""),
    LINEAR_PROBE.format(mode="torch.inference_mode()", between="features = features.clone()"),
    LINEAR_PROBE.format(mode="torch.inference_mode()", between="features = torch.cat([features])"),
    CACHED_BY_FUNCTION.format(mode="torch.no_grad()"),
    # the model fed the cached tensor is not trained: evaluation only
    LINEAR_PROBE.format(mode="torch.inference_mode()", between="").replace("head.parameters()", "backbone.parameters()"),
    # used only inside the block
    "import torch\nmodel = torch.nn.Linear(2, 2)\nopt = torch.optim.SGD(model.parameters(), 0.1)\n"
    "with torch.inference_mode():\n    x = torch.randn(3, 2)\n    y = model(x)\nmodel(torch.randn(3, 2)).sum().backward()\n",
])
def test_no_grad_a_clone_or_an_untrained_model_is_quiet(source):
    assert lines("inference-tensor-into-training", source) == []


# ---- reentrant-checkpoint-on-frozen-output: reentrant checkpoint fed only a frozen layer's output ----

FROZEN_EMBEDDING_ENCODER = """
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

class Encoder(nn.Module):
    def __init__(self, vectors):
        super().__init__()
        self.embed = {embed}
        self.blocks = nn.ModuleList(nn.Linear(16, 16) for _ in range(4))
        {freeze}

    def forward(self, ids):
        h = self.embed(ids)
        for block in self.blocks:
            h = checkpoint(block, h{reentrant})
        return h
"""

LORA_WRAPPER = """
import torch
import torch.nn as nn

class LoRAStack(nn.Module):
    def __init__(self, base):
        super().__init__()
        self.tok = base.tok
        self.layers = base.layers
        for p in self.parameters():
            p.requires_grad = False
        self.adapters = nn.ModuleList(nn.Linear(64, 64) for _ in self.layers)

    def forward(self, input_ids):
        x = self.tok(input_ids)
        return torch.utils.checkpoint.checkpoint(self.run_layers, x, use_reentrant=True)
"""

FROZEN_FROM_OUTSIDE = """
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32)
        self.body = nn.Sequential(nn.Linear(32, 32), nn.GELU())
        self.out = nn.Linear(32, 5)

    def forward(self, ids):
        return self.out(checkpoint(self.body, self.emb(ids), use_reentrant=True))

model = Tagger()
model.emb.weight.requires_grad = False
opt = torch.optim.AdamW(p for p in model.parameters() if p.requires_grad)
"""


@pytest.mark.parametrize("source, line", [
    (FROZEN_EMBEDDING_ENCODER.format(embed="nn.Embedding(100, 16)", freeze="self.embed.requires_grad_(False)",
                                     reentrant=", use_reentrant=True"), 16),
    (FROZEN_EMBEDDING_ENCODER.format(embed="nn.Embedding.from_pretrained(vectors)", freeze="",
                                     reentrant=""), 16),
    (FROZEN_EMBEDDING_ENCODER.format(embed="nn.Embedding(100, 16)",
                                     freeze="for w in self.embed.parameters(): w.requires_grad_(False)",
                                     reentrant=", use_reentrant=True"), 16),
    (LORA_WRAPPER, 16),
    (FROZEN_FROM_OUTSIDE, 14),
])
def test_reentrant_checkpoint_of_a_frozen_layers_output_fires(source, line):
    assert lines("reentrant-checkpoint-on-frozen-output", source) == [line]


@pytest.mark.parametrize("source", [
    FROZEN_EMBEDDING_ENCODER.format(embed="nn.Embedding(100, 16)", freeze="self.embed.requires_grad_(False)",
                                    reentrant=", use_reentrant=False"),
    FROZEN_EMBEDDING_ENCODER.format(embed="nn.Embedding(100, 16)", freeze="", reentrant=", use_reentrant=True"),
    FROZEN_EMBEDDING_ENCODER.format(embed="nn.Embedding.from_pretrained(vectors, freeze=False)", freeze="",
                                    reentrant=", use_reentrant=True"),
    # frozen, then unfrozen again
    FROZEN_EMBEDDING_ENCODER.format(embed="nn.Embedding(100, 16)",
                                    freeze="self.embed.requires_grad_(False)\n        self.embed.requires_grad_()",
                                    reentrant=", use_reentrant=True"),
    # self.parameters() frozen before the layer is set: the layer itself stays trainable
    LORA_WRAPPER.replace("        self.tok = base.tok\n", "").replace(
        "        self.adapters", "        self.tok = nn.Embedding(10, 64)\n        self.adapters"),
    FROZEN_FROM_OUTSIDE.replace("model.emb.weight.requires_grad = False", "model.out.weight.requires_grad = False"),
])
def test_use_reentrant_false_or_a_trainable_input_is_quiet(source):
    assert lines("reentrant-checkpoint-on-frozen-output", source) == []


# ---- gather-index-of-other-rank: gather with an index of another number of dimensions ----

DQN_UPDATE = """
import torch
import torch.nn as nn

q_net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 4))
states = torch.randn(32, 8)
actions = {actions}
q_values = q_net(states)
q_taken = {gather}
loss = nn.functional.smooth_l1_loss(q_taken, torch.randn(32))
loss.backward()
"""

COMMENTED_FRAGMENT = """
logp = model(tokens).log_softmax(-1)      # [B, T, V]
picked = torch.gather(logp, 2, targets)   # targets from the batch
"""


@pytest.mark.parametrize("source, line", [
    (DQN_UPDATE.format(actions="torch.randint(0, 4, (32,))", gather="q_values.gather(1, actions)"), 9),
    (DQN_UPDATE.format(actions="torch.randint(4, size=(32,))", gather="torch.gather(q_values, 1, actions)"), 9),
    (DQN_UPDATE.format(actions="torch.randint(0, 4, (32, 1, 1))", gather="q_values.gather(1, actions)"), 9),
    ("q = critic(obs)               # [B, n_actions]\na = batch['action'].long()   # [64]\n"
     "q_a = q.gather(1, a)\n", 3),
    ("logp = model(tokens).log_softmax(-1)  # [B, T, V]\ntargets = tgt.view(-1)\nbad = logp.gather(2, targets)\n", 3),
])
def test_an_index_of_another_rank_fires(source, line):
    assert lines("gather-index-of-other-rank", source) == [line]


@pytest.mark.parametrize("source", [
    DQN_UPDATE.format(actions="torch.randint(0, 4, (32,))", gather="q_values.gather(1, actions.unsqueeze(1)).squeeze(1)"),
    DQN_UPDATE.format(actions="torch.randint(0, 4, (32, 1))", gather="q_values.gather(1, actions)"),
    DQN_UPDATE.format(actions="torch.randint(0, 4, (32,))", gather="q_values.gather(1, actions.view(-1, 1))"),
    # a size held in one name: the rank is not in the code
    DQN_UPDATE.format(actions="torch.zeros(shape).long()", gather="q_values.gather(1, actions)"),
    COMMENTED_FRAGMENT,
])
def test_an_index_of_the_same_or_an_unknown_rank_is_quiet(source):
    assert lines("gather-index-of-other-rank", source) == []


# ---- element-mask-given-reduction: x[element mask] = a reduction of x along one dim ----

IMPUTE_SCRIPT = """
import torch

features = torch.randn(16, 5)
missing = {mask}
fill = {fill}
features[missing] = fill
"""


@pytest.mark.parametrize("source, line", [
    (IMPUTE_SCRIPT.format(mask="features.isnan()", fill="features.nanmean(dim=0)"), 7),
    (IMPUTE_SCRIPT.format(mask="torch.isnan(features)", fill="torch.nanmean(features, 0)"), 7),
    (IMPUTE_SCRIPT.format(mask="features < 0", fill="features.median(dim=0).values"), 7),
    (IMPUTE_SCRIPT.format(mask="~torch.isfinite(features)", fill="features.mean(-1)"), 7),
    # the rank is not in the code, but a reduction along dim 1 needs two dims
    ("def clean(x):\n    bad = x.isinf()\n    x[bad] = x.amax(dim=1)\n    return x\n", 3),
])
def test_an_element_mask_given_a_per_column_reduction_fires(source, line):
    assert lines("element-mask-given-reduction", source) == [line]


@pytest.mark.parametrize("source", [
    IMPUTE_SCRIPT.format(mask="features.isnan()", fill="features.nanmean()"),
    IMPUTE_SCRIPT.format(mask="features.isnan()", fill="features.nanmean(dim=0).expand_as(features)[missing]"),
    IMPUTE_SCRIPT.format(mask="features.isnan()", fill="0.0"),
    IMPUTE_SCRIPT.format(mask="features.isnan().any(1)", fill="features.nanmean(dim=0)"),
    IMPUTE_SCRIPT.format(mask="other.isnan()", fill="features.nanmean(dim=0)"),
    # a 1-D series: the reduction along dim 0 is one number
    IMPUTE_SCRIPT.format(mask="features.isnan()", fill="features.nanmean(dim=0)").replace("randn(16, 5)", "randn(16)"),
    # rank unknown and dim 0: maybe 1-D
    "def clean(x):\n    x[x.isnan()] = x.nanmean(0)\n    return x\n",
])
def test_a_scalar_a_masked_fill_a_row_mask_or_a_1d_tensor_is_quiet(source):
    assert lines("element-mask-given-reduction", source) == []
