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


def test_matches_rank_errors_only():
    tree = (SCORER)
    assert applies(recipe, tree, Facts("ValueError", "expected 2D or 3D input (got 1D input)", line=12, lines=(17, 12)))
    assert not applies(recipe, tree, Facts("ValueError", "expected 2D or 3D input (got 4D input)", line=12, lines=(17, 12)))
