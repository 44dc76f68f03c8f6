"""frozen-new-head: fine-tuning that freezes the new head instead of the backbone."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import findings, lines

NAME = "frozen-new-head"


@pytest.mark.parametrize("source, line", [
    ("net = torchvision.models.resnet18(weights='DEFAULT', num_classes=10)\n"
     "for key, w in net.named_parameters():\n    if key.startswith('fc.'):\n        w.requires_grad_(False)\n"
     "opt = torch.optim.SGD(filter(lambda w: w.requires_grad, net.parameters()), lr=0.01)\n", 2),
    ("backbone = torchvision.models.resnet50(weights='DEFAULT')\nbackbone.fc = nn.Linear(2048, 5)\n"
     "for p in backbone.fc.parameters():\n    p.requires_grad = False\n", 3),
    ("clf = AutoModelForSequenceClassification.from_pretrained('bert-base-uncased', num_labels=3)\n"
     "for pname, weight in clf.named_parameters():\n    if 'classifier' in pname:\n        weight.requires_grad = False\n", 2),
])
def test_freezing_the_new_head_fires(source, line):
    assert lines(NAME, source) == [line]
    assert findings(NAME, source)[0].facts["module"]


@pytest.mark.parametrize("source", [
    # the backbone frozen: the test the right way round, the freeze before the head is replaced
    "net = torchvision.models.resnet18(weights='DEFAULT', num_classes=10)\n"
    "for key, w in net.named_parameters():\n    if not key.startswith('fc.'):\n        w.requires_grad_(False)\n",
    "vit = timm.create_model('vit_small_patch16_224', pretrained=True)\nfor p in vit.parameters():\n"
    "    p.requires_grad = False\nvit.head = nn.Linear(384, 2)\n",
    # all frozen after the head: nothing trains, backward-without-graph's; the head unfrozen again
    "vit = timm.create_model('vit_small_patch16_224', pretrained=True)\nvit.head = nn.Linear(384, 2)\n"
    "for p in vit.parameters():\n    p.requires_grad = False\n",
    "m = torchvision.models.resnet18(weights='DEFAULT')\nm.fc = nn.Linear(512, 3)\nfor p in m.parameters():\n"
    "    p.requires_grad = False\nfor p in m.fc.parameters():\n    p.requires_grad = True\n",
    # a model whose head is not new: freezing any part by name is a choice
    "enc = Encoder()\nfor key, w in enc.named_parameters():\n    if 'head' in key:\n        w.requires_grad = False\n",
])
def test_freezing_the_backbone_or_a_head_that_is_not_new_is_quiet(source):
    assert lines(NAME, source) == []
