from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import rename_checkpoint_keys as recipe

RENAMED_ATTENTION = '''\
import argparse
import io
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim, renamed):
        super().__init__()
        attention = nn.MultiheadAttention(dim, 2, batch_first=True)
        if renamed:
            self.self_attn = attention
        else:
            self.attn = attention
        self.ff = nn.Linear(dim, dim)

    def forward(self, x):
        attention = self.self_attn if hasattr(self, "self_attn") else self.attn
        return self.ff(x + attention(x, x, x, need_weights=False)[0])


class Encoder(nn.Module):
    def __init__(self, dim=8, depth=2, renamed=True):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(dim, renamed) for _ in range(depth)])

    def forward(self, x):
        return self.blocks(x)


parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=3)
args = parser.parse_args([])
torch.manual_seed(0)
old = Encoder(renamed=False)
x = torch.randn(4, 5, 8)
expected = old(x)
saved = io.BytesIO()
torch.save({"encoder": old.state_dict()}, saved)
saved.seek(0)

encoder = Encoder()
encoder.load_state_dict(torch.load(saved)["encoder"])
opt = torch.optim.SGD(encoder.parameters(), lr=0.1)
for _ in range(args.steps):
    loss = encoder(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
'''


def test_renamed_layers_load_their_saved_weights_strictly(sandbox):
    patched = patch(recipe, RENAMED_ATTENTION, sandbox.facts(RENAMED_ATTENTION, "RuntimeError"))
    assert '"blocks.1.attn.in_proj_weight": "blocks.1.self_attn.in_proj_weight"' in patched
    assert ".get(k, k): v for k, v in torch.load(saved)[\"encoder\"].items()})" in patched
    loaded = patched.replace("opt = torch.optim", "assert torch.equal(encoder(x), expected)\nopt = torch.optim")
    sandbox.assert_clean(loaded)


def _mismatch(missing: str, unexpected: str) -> Facts:
    return Facts("RuntimeError", f'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: {missing}. '
                                 f'\n\tUnexpected key(s) in state_dict: {unexpected}. ')


LOAD = "net.load_state_dict(sd)\n"


def test_a_head_of_another_structure_is_not_renamed():
    mlp_head = _mismatch('"head.weight", "head.bias"', '"head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias"')
    assert not applies(recipe, LOAD, mlp_head)


def test_leftover_keys_and_ambiguous_layers_are_not_renamed():
    leftover = _mismatch('"head.weight", "head.bias"', '"fc.weight", "fc.bias", "proj.weight", "proj.bias"')
    two_ways = _mismatch('"head.weight", "head.bias", "out.weight", "out.bias"',
                         '"fc.weight", "fc.bias", "proj.weight", "proj.bias"')
    assert not applies(recipe, LOAD, leftover)
    assert not applies(recipe, LOAD, two_ways)


def test_shifted_positions_are_not_renamed():
    shifted = _mismatch('"layers.3.weight", "layers.3.bias"', '"layers.2.weight", "layers.2.bias"')
    assert not applies(recipe, LOAD, shifted)


def test_one_renamed_head_is_mapped_key_by_key():
    renamed = _mismatch('"classifier.weight", "classifier.bias"', '"fc.weight", "fc.bias"')
    assert patch(recipe, LOAD, renamed) == ('net.load_state_dict({{"fc.bias": "classifier.bias", '
                                            '"fc.weight": "classifier.weight"}.get(k, k): v for k, v in sd.items()})\n')
