from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import cast_to_layer_dtype as recipe

PROBE_ON_CACHED_FEATURES = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class LinearProbe(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, classes)

    def forward(self, feats):
        return self.fc(feats)


backbone = nn.Sequential(nn.Linear(16, 32), nn.GELU())
probe = LinearProbe(32, 4)
x, y = torch.randn(64, 16), torch.randint(0, 4, (64,))
with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
    cache = backbone(x)                # bfloat16 features

opt = torch.optim.SGD(probe.parameters(), lr=0.1)
for epoch in range(3):
    logits = probe(cache)
    loss = nn.functional.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
assert logits.dtype == torch.float32 and probe.fc.weight.dtype == torch.float32
'''

HALF_SUBMODULE = '''\
import torch
from torch import nn

encoder = nn.Linear(8, 8)
decoder = nn.GRU(8, 8, batch_first=True).half()     # converted to save memory
h = encoder(torch.randn(2, 5, 8))
out, state = decoder(h)
assert out.dtype == torch.float16 and out.shape == (2, 5, 8)
'''


def test_casts_the_features_where_they_enter_the_layer_that_failed(sandbox):
    patched = patch(recipe, PROBE_ON_CACHED_FEATURES, sandbox.facts(PROBE_ON_CACHED_FEATURES, "RuntimeError"))
    assert "        return self.fc(feats.to(next(self.fc.parameters()).dtype))" in patched
    assert "    logits = probe(cache)\n" in patched
    sandbox.assert_clean(patched)


def test_casts_float32_activations_into_a_half_rnn(sandbox):
    patched = patch(recipe, HALF_SUBMODULE, sandbox.facts(HALF_SUBMODULE, "ValueError"))
    assert "out, state = decoder(h.to(next(decoder.parameters()).dtype))" in patched
    sandbox.assert_clean(patched)


def test_no_match_without_a_module_call_on_the_failing_line():
    message = "mat1 and mat2 must have the same dtype, but got Half and Float"
    source = "import torch\na = torch.ones(2, 2).half()\nb = a @ torch.ones(2, 2)\n"
    assert not applies(recipe, source, Facts("RuntimeError", message, line=3, lines=(3,)))
