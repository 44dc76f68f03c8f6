from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import float32_weights as recipe

RETRIEVAL_FP16 = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
DTYPE = torch.float16                       # "--fp16" from the GPU config


class Encoder(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, 8)

    def forward(self, x):
        return nn.functional.normalize(self.proj(x), dim=-1)


encoder = Encoder().to(DTYPE).eval()
database = torch.randn(20, 16, dtype=DTYPE)
queries = torch.randn(4, 16).half()
with torch.no_grad():
    dist = torch.cdist(encoder(queries), encoder(database))
nearest = dist.argmin(dim=1)
assert dist.shape == (4, 20) and dist.dtype == torch.float32 and nearest.shape == (4,)
'''

SCALER_ON_HALF_MODEL = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)
device = "cpu"


def make_model():
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3)).to(device, torch.float16)


model = make_model()
opt = torch.optim.SGD(model.parameters(), lr=0.5)
scaler = torch.amp.GradScaler(device)
x = torch.randn(64, 10, device=device).half()
y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
losses = []
for step in range(20):
    with torch.autocast(device, dtype=torch.float16):
        loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    losses.append(loss.item())
assert all(p.dtype == torch.float32 for p in model.parameters())
assert losses[-1] < losses[0]
'''


def test_every_float16_conversion_of_model_and_data_becomes_float32(sandbox):
    patched = patch(recipe, RETRIEVAL_FP16, sandbox.facts(RETRIEVAL_FP16, "NotImplementedError"))
    assert 'DTYPE = torch.float32                       # "--fp16" from the GPU config' in patched
    assert "queries = torch.randn(4, 16).float()" in patched
    assert "encoder = Encoder().to(DTYPE).eval()" in patched
    sandbox.assert_clean(patched)


def test_scaler_trains_float32_weights_and_autocast_keeps_its_dtype(sandbox):
    patched = patch(recipe, SCALER_ON_HALF_MODEL, sandbox.facts(SCALER_ON_HALF_MODEL, "ValueError"))
    assert "nn.Linear(32, 3)).to(device, torch.float32)" in patched
    assert "with torch.autocast(device, dtype=torch.float16):" in patched
    assert "x = torch.randn(64, 10, device=device).float()" in patched
    sandbox.assert_clean(patched)


def test_no_match_without_float16_in_the_code():
    source = "import torch\nx = torch.randn(3).to(torch.float32)\nassert x.dtype != torch.float16\n"
    assert not applies(recipe, source, Facts("ValueError", "Attempting to unscale FP16 gradients."))


FLAG_CONFIG_AND_NUMPY_ROWS = '''\
import argparse
import copy

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

parser = argparse.ArgumentParser()
parser.add_argument("--fp16", action="store_true", default=True)
args = parser.parse_args([])
CONFIG = {"dim": 10, "dtype": torch.float16 if args.fp16 else torch.float32}


class Rows(Dataset):
    def __init__(self):
        self.rows = np.random.default_rng(0).standard_normal((12, CONFIG["dim"]))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return torch.from_numpy(self.rows[i].astype(np.float16))


torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(CONFIG["dim"], 16), nn.Tanh(), nn.Linear(16, 6)).to(CONFIG["dtype"])
bank = torch.randn(5, 6, dtype=CONFIG["dtype"])
with torch.no_grad():
    nearest = torch.cat([torch.cdist(encoder(rows), bank).argmin(1) for rows in DataLoader(Rows(), batch_size=4)])
    exact = torch.cdist(copy.deepcopy(encoder).double()(torch.from_numpy(Rows().rows)), bank.double()).argmin(1)
assert next(encoder.parameters()).dtype == torch.float32 and nearest.shape == (12,)
assert torch.equal(nearest, exact)          # the float32 search finds what exact arithmetic finds
'''

DEFAULT_DTYPE_AND_LEGACY_TYPE = '''\
import torch
import torch.nn as nn


def build_encoder(d_in, dtype=torch.float16):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(d_in, 8), nn.GELU()).to(dtype)


encoder = build_encoder(6)
docs = torch.randn(7, 6).type(torch.HalfTensor)
with torch.no_grad():
    q, r = torch.linalg.qr(encoder(docs))
assert q.dtype == torch.float32 and q.shape == (7, 7)
assert torch.allclose(q.T @ q, torch.eye(q.shape[1]), atol=1e-5)
assert torch.allclose(q @ r, encoder(docs), atol=1e-5)
'''


def test_a_config_entry_a_flag_branch_and_numpy_rows_become_float32(sandbox):
    facts = sandbox.facts(FLAG_CONFIG_AND_NUMPY_ROWS, "NotImplementedError")
    patched = patch(recipe, FLAG_CONFIG_AND_NUMPY_ROWS, facts)
    assert '"dtype": torch.float32 if args.fp16 else torch.float32}' in patched
    assert "self.rows[i].astype(np.float32)" in patched
    sandbox.assert_clean(patched)


def test_a_parameter_default_and_the_legacy_half_tensor_type_become_float32(sandbox):
    facts = sandbox.facts(DEFAULT_DTYPE_AND_LEGACY_TYPE, "NotImplementedError")
    patched = patch(recipe, DEFAULT_DTYPE_AND_LEGACY_TYPE, facts)
    assert "def build_encoder(d_in, dtype=torch.float32):" in patched
    assert "docs = torch.randn(7, 6).type(torch.FloatTensor)" in patched
    sandbox.assert_clean(patched)
