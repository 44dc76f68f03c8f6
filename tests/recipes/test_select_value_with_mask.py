from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import select_value_with_mask as recipe

IMPUTE = '''\
import torch


def impute_missing(features):
    """Replaces NaN readings with the column mean of the observed ones."""
    features = features.clone()
    missing = torch.isnan(features)
    column_means = torch.nanmean(features, dim=0)
    features[missing] = column_means
    return features


torch.manual_seed(0)
raw = torch.randn(50, 4)
raw[torch.rand(50, 4) < 0.2] = float("nan")
clean = impute_missing(raw)
'''

MEANT = '''
means = torch.nanmean(raw, dim=0)
observed = ~torch.isnan(raw)
assert torch.equal(clean[observed], raw[observed])
assert torch.allclose(clean, torch.where(observed, raw, means.expand_as(raw)))
'''

CLIP_UPDATES = '''\
import torch

torch.manual_seed(1)
params = torch.randn(6, 3)
before = params.clone()
proposal = params + 0.5 * torch.randn(6, 3)
accept = proposal.norm(dim=1) < 1.5                 # one decision per row
params[accept] = proposal
'''

ROWS_MEANT = '''
assert accept.any() and not accept.all()
assert torch.equal(params[accept], proposal[accept]) and torch.equal(params[~accept], before[~accept])
'''


def test_the_value_is_selected_with_the_same_mask(sandbox):
    patched = patch(recipe, IMPUTE, sandbox.facts(IMPUTE, "RuntimeError"))
    assert "    features[missing] = column_means.expand_as(features)[missing]\n" in patched
    sandbox.assert_clean(patched + MEANT)


def test_a_row_mask_takes_the_accepted_rows(sandbox):
    patched = patch(recipe, CLIP_UPDATES, sandbox.facts(CLIP_UPDATES, "RuntimeError"))
    assert "params[accept] = proposal.expand_as(params)[accept]" in patched
    sandbox.assert_clean(patched + ROWS_MEANT)


def test_slices_are_not_mask_assignments():
    facts = Facts("RuntimeError", "shape mismatch: value tensor of shape [4] cannot be broadcast to indexing result "
                                  "of shape [2, 3]", line=1)
    assert not applies(recipe, "out[:, :3] = y\n", facts)
    assert applies(recipe, "out[mask] = y\n", facts)
