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
