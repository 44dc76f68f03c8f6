from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import squeeze_mask_column as recipe

DETECTOR = '''\
import torch
import torch.nn as nn


class BoxHead(nn.Module):
    def __init__(self, features=16):
        super().__init__()
        self.score = nn.Linear(features, 1)
        self.regress = nn.Linear(features, 4)

    def forward(self, roi_features):
        return torch.sigmoid(self.score(roi_features)), self.regress(roi_features)


def postprocess(scores, boxes, threshold=0.5):
    keep = scores > threshold                   # [N, 1]
    kept_scores = scores[keep]                  # fine: same shape as the mask
    kept_boxes = boxes[keep]
    return kept_scores, kept_boxes


torch.manual_seed(0)
head = BoxHead()
with torch.no_grad():
    scores, boxes = head(torch.randn(10, 16))
kept_scores, kept_boxes = postprocess(scores, boxes)
'''

MEANT = '''
rows = (scores[:, 0] > 0.5).nonzero().flatten()
assert kept_boxes.shape == (len(rows), 4) and torch.equal(kept_boxes, boxes[rows])
assert kept_scores.shape == (len(rows),)
'''


def test_the_mask_loses_its_column_axis_where_it_selects_rows(sandbox):
    patched = patch(recipe, DETECTOR, sandbox.facts(DETECTOR, "IndexError"))
    assert "    kept_boxes = boxes[keep.squeeze(-1)]\n" in patched
    assert "    kept_scores = scores[keep]                  # fine" in patched
    sandbox.assert_clean(patched + MEANT)


def test_a_mask_from_another_batch_is_left_alone():
    facts = Facts("IndexError", "The shape of the mask [6] at index 0 does not match the shape of the indexed tensor "
                                "[8, 4] at index 0", line=1)
    assert not applies(recipe, "kept = boxes[keep]\n", facts)
    column = Facts("IndexError", "The shape of the mask [8, 1] at index 1 does not match the shape of the indexed "
                                 "tensor [8, 4] at index 1", line=1)
    assert applies(recipe, "kept = boxes[keep]\n", column)
    assert not applies(recipe, "kept = boxes[keep], labels[keep]\n", column)


KNOWN_LABELS = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
features = torch.randn(60, 6)
grades = (features[:, :3].sum(1, keepdim=True) > 0).long() + (features[:, 3:].sum(1, keepdim=True) > 0).long()
grades[::4] = -1                               # ungraded rows, labels kept as a [N, 1] column
model = nn.Linear(6, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.5)


def graded_loss(scores, labels):
    graded = labels != -1
    return F.cross_entropy(scores[graded], labels[graded])


for _ in range(40):
    loss = graded_loss(model(features), grades)
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

KNOWN_MEANT = '''
graded = grades[:, 0] != -1
expected = F.cross_entropy(model(features)[graded], grades[graded][:, 0])
assert torch.allclose(graded_loss(model(features), grades), expected, atol=1e-6)
'''


def test_of_two_indexings_only_the_one_the_mask_was_not_built_from_is_squeezed(sandbox):
    facts = sandbox.facts(KNOWN_LABELS, "IndexError")
    patched = patch(recipe, KNOWN_LABELS, facts)
    assert "F.cross_entropy(scores[graded.squeeze(-1)], labels[graded])" in patched
    sandbox.assert_clean(patched + KNOWN_MEANT)
