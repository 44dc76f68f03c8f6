from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import add_batch_dimension as recipe

SCORER = '''\
import torch
import torch.nn as nn

class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 24)
        self.bn = nn.BatchNorm1d(24)
        self.out = nn.Linear(24, 1)

    def forward(self, x):
        return self.out(torch.relu(self.bn(self.fc(x))))

scorer = Scorer().eval()
features = torch.randn(12)
with torch.no_grad():
    print(scorer(features))
'''


def test_unsqueezes_the_sample_where_it_enters_the_model(sandbox):
    facts = sandbox.facts(SCORER, "ValueError")
    patched = patch(recipe, SCORER, facts)
    assert "    print(scorer(features.unsqueeze(0)))" in patched
    assert "self.bn(self.fc(x))" in patched  # the model itself is untouched
    sandbox.assert_clean(patched)


def test_single_image_into_batchnorm2d(sandbox):
    broken = ("import torch\nimport torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).eval()\n"
              "img = torch.rand(3, 16, 16)\nout = net(img)\nprint(out.shape)\n")
    facts = sandbox.facts(broken, "ValueError")
    patched = patch(recipe, broken, facts)
    assert "out = net(img.unsqueeze(0))" in patched
    sandbox.assert_clean(patched)


def test_a_sample_handed_to_forward_directly_is_batched_at_that_call(sandbox):
    """`net.forward(x)` is where data enters the model as much as `net(x)` is: the batch axis goes
    there, not inside forward (which would break every batched call of the same model)."""
    broken = SCORER.replace("print(scorer(features))", "score = scorer.forward(features)\nprint(score.shape)")
    facts = sandbox.facts(broken, "ValueError")
    patched = patch(recipe, broken, facts)
    assert "score = scorer.forward(features.unsqueeze(0))" in patched
    assert "self.bn(self.fc(x))" in patched
    result = sandbox.run(patched)
    assert result.status == "ok", result.error.traceback if result.error else result.detail
    assert "torch.Size([1, 1])" in result.stdout  # one sample in, one score out


def test_matches_rank_errors_only():
    tree = (SCORER)
    assert applies(recipe, tree, Facts("ValueError", "expected 2D or 3D input (got 1D input)", line=12, lines=(17, 12)))
    assert not applies(recipe, tree, Facts("ValueError", "expected 2D or 3D input (got 4D input)", line=12, lines=(17, 12)))
