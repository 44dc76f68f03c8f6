from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import through_wrapper_module as recipe

EVALUATE = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Classifier(nn.Module):
    def __init__(self, classes=("cat", "dog", "bird")):
        super().__init__()
        self.classes = list(classes)
        self.net = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, len(classes)))

    def forward(self, x):
        return self.net(x)

    def predict(self, x):
        with torch.no_grad():
            return [self.classes[i] for i in self(x).argmax(1).tolist()]


def evaluate(net, loader):
    names, logits = [], []
    for (x,) in loader:
        logits.append(net(x))
        names += net.predict(x)
    return names, torch.cat(logits)


torch.manual_seed(0)
model = nn.DataParallel(Classifier())
loader = DataLoader(TensorDataset(torch.randn(10, 12)), batch_size=4)
names, logits = evaluate(model, loader)
'''

# The wrapped model's own method ran; the forward pass still goes through the wrapper.
EVALUATED = '''
assert len(names) == 10 and names == [model.module.classes[i] for i in logits.argmax(1).tolist()]
'''


def test_a_method_of_the_wrapped_model_is_reached_through_module(sandbox):
    patched = patch(recipe, EVALUATE, sandbox.facts(EVALUATE, "AttributeError"))
    assert "        names += net.module.predict(x)\n" in patched
    assert "        logits.append(net(x))\n" in patched
    sandbox.assert_clean(patched + EVALUATED)


def test_an_attribute_of_a_ddp_model_on_the_failing_line_only():
    code = ("model = DDP(Net(), device_ids=[rank])\nprint(model.head)\n"
            "features = model.backbone(x)\n")
    facts = Facts("AttributeError", "'DistributedDataParallel' object has no attribute 'backbone'", line=3, lines=(3,))
    assert patch(recipe, code, facts) == ("model = DDP(Net(), device_ids=[rank])\nprint(model.head)\n"
                                          "features = model.module.backbone(x)\n")


def test_an_object_built_as_something_else_is_not_reached_through():
    facts = Facts("AttributeError", "'DataParallel' object has no attribute 'predict'", line=2, lines=(2,))
    assert not applies(recipe, "plain = Classifier()\nplain.predict(x)\n", facts)
    assert applies(recipe, "wrapped = nn.DataParallel(Classifier())\nwrapped.predict(x)\n", facts)
    assert not applies(recipe, "wrapped = nn.DataParallel(Classifier())\nwrapped.module.predict(x)\n", facts)
