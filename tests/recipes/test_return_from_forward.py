from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import return_from_forward as recipe

SUBMODULE_WITHOUT_RETURN = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class ResidualBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        out = x + torch.relu(self.fc(x))


class Net(nn.Module):
    def __init__(self, dim=12, classes=3):
        super().__init__()
        self.blocks = nn.Sequential(ResidualBlock(dim), ResidualBlock(dim))
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        return self.head(self.blocks(x))


model = Net()
x, y = torch.randn(6, 12), torch.randint(0, 3, (6,))
logits = model(x)
loss = nn.functional.cross_entropy(logits, y)
loss.backward()

# what was meant: each block returns x + relu(fc(x))
block = model.blocks[0]
assert torch.allclose(block(x), x + torch.relu(block.fc(x))) and logits.shape == (6, 3)
'''

BARE_CALL = '''\
import torch
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 2)

    def forward(self, features):
        features = features.flatten(1)
        self.proj(features)


out = Head()(torch.randn(3, 2, 2))
print(out.shape)
'''


def test_returns_the_value_the_submodule_computed(sandbox):
    patched = patch(recipe, SUBMODULE_WITHOUT_RETURN, sandbox.facts(SUBMODULE_WITHOUT_RETURN, "TypeError"))
    assert "        out = x + torch.relu(self.fc(x))\n        return out\n" in patched
    assert "        return self.head(self.blocks(x))\n" in patched
    sandbox.assert_clean(patched)


def test_returns_a_bare_final_call(sandbox):
    message = "argument 'input' (position 1) must be Tensor, not NoneType"
    patched = patch(recipe, BARE_CALL, Facts("TypeError", message))
    assert "        features = features.flatten(1)\n        return self.proj(features)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_when_some_path_returns():
    source = ('import torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n        if self.training:\n'
              '            return x * 2\n        x = x + 1\n')
    message = "argument 'input' (position 1) must be Tensor, not NoneType"
    assert not applies(recipe, source, Facts("TypeError", message))


DEBUG_PRINT_AND_RETURN_UNDER_IF = '''\
import torch
from torch import nn

torch.manual_seed(0)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        logits = self.fc2(torch.relu(self.fc1(x)))
        print("logits", logits.shape)


class Net(nn.Module):
    def __init__(self, use_dropout=False):
        super().__init__()
        self.backbone = Backbone()
        self.drop = nn.Dropout(0.5)
        self.use_dropout = use_dropout

    def forward(self, x):
        x = self.backbone(x)
        if self.use_dropout:
            x = self.drop(x)
            return torch.log_softmax(x, dim=1)


net = Net()
x = torch.randn(5, 8)
out = net(x)
b = net.backbone
assert torch.allclose(out, torch.log_softmax(b.fc2(torch.relu(b.fc1(x))), dim=1)) and out.shape == (5, 3)
'''

LOOP_AND_EVAL_BRANCH = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Stack(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.stack = Stack([6, 12, 4])
        self.aux = nn.Linear(4, 2)

    def forward(self, x):
        feats = self.stack(x)
        if self.training:
            return feats, self.aux(feats)
        else:
            scores = feats.softmax(dim=1)


model = Classifier().eval()
x = torch.randn(3, 6)
with torch.no_grad():
    scores = model(x)
    first, second = model.stack.layers
    expected = second(torch.relu(first(x))).softmax(dim=1)
assert scores.shape == (3, 4) and torch.allclose(scores, expected)
'''


def test_returns_past_debug_output_and_moves_a_return_out_of_its_if(sandbox):
    facts = sandbox.facts(DEBUG_PRINT_AND_RETURN_UNDER_IF, "TypeError")
    patched = patch(recipe, DEBUG_PRINT_AND_RETURN_UNDER_IF, facts)
    assert '        print("logits", logits.shape)\n        return logits\n' in patched
    assert ("            x = self.drop(x)\n        return torch.log_softmax(x, dim=1)\n") in patched
    sandbox.assert_clean(patched)


def test_returns_what_a_loop_updates_and_what_the_falling_branch_computes(sandbox):
    facts = sandbox.facts(LOOP_AND_EVAL_BRANCH, "AttributeError")
    patched = patch(recipe, LOOP_AND_EVAL_BRANCH, facts)
    assert "                x = torch.relu(x)\n        return x\n" in patched
    assert "            scores = feats.softmax(dim=1)\n            return scores\n" in patched
    sandbox.assert_clean(patched)


AUX_HEAD_ONLY_IN_TRAINING = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)


class DeepSupervised(nn.Module):
    def __init__(self, dim=10, classes=5):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(dim, 16), nn.ReLU())
        self.side = nn.Linear(16, classes)
        self.tail = nn.Sequential(nn.Linear(16, 16), nn.Tanh())
        self.classifier = nn.Linear(16, classes)

    def forward(self, x):
        feats = self.trunk(x)
        out = self.classifier(self.tail(feats))
        if self.training:
            side_out = self.side(feats)
            return out, side_out


model = DeepSupervised()
x, y = torch.randn(8, 10), torch.randint(0, 5, (8,))
main, side = model(x)
loss = F.cross_entropy(main, y) + 0.4 * F.cross_entropy(side, y)
loss.backward()

model.eval()
with torch.no_grad():
    scores = model(x)
# what was meant: evaluation gives the main classifier's scores alone
assert scores.shape == (8, 5)
assert torch.allclose(scores, model.classifier(model.tail(model.trunk(x))))
'''


def test_evaluation_returns_the_main_output_of_a_training_only_aux_head(sandbox):
    facts = sandbox.facts(AUX_HEAD_ONLY_IN_TRAINING, "AttributeError")
    patched = patch(recipe, AUX_HEAD_ONLY_IN_TRAINING, facts)
    assert "            return out, side_out\n        return out\n" in patched
    sandbox.assert_clean(patched)


EARLY_EXIT_OF_THE_SAME_OUTPUT = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Refiner(nn.Module):
    def __init__(self, width=6, refine=True):
        super().__init__()
        self.base = nn.Linear(width, 3)
        self.refine = nn.Linear(3, 3) if refine else None

    def forward(self, x):
        scores = self.base(x)
        if self.refine is None:
            return scores
        scores = scores + self.refine(torch.tanh(scores))


x, y = torch.randn(10, 6), torch.randint(0, 3, (10,))
model = Refiner()
loss = F.cross_entropy(model(x), y)
loss.backward()
'''

WHAT_THE_REFINED_PATH_COMPUTES = '''
with torch.no_grad():
    base = model.base(x)
    assert torch.allclose(model(x), base + model.refine(torch.tanh(base)))
'''


def test_returns_the_output_the_early_return_names(sandbox):
    patched = patch(recipe, EARLY_EXIT_OF_THE_SAME_OUTPUT, sandbox.facts(EARLY_EXIT_OF_THE_SAME_OUTPUT, "TypeError"))
    assert "        scores = scores + self.refine(torch.tanh(scores))\n        return scores\n" in patched
    sandbox.assert_clean(patched + WHAT_THE_REFINED_PATH_COMPUTES)


def test_returns_the_main_output_an_early_tuple_names():
    source = ('import torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n        y = self.body(x)\n'
              '        if self.aux is not None:\n            return y, self.aux(x)\n        y = y.softmax(-1)\n')
    message = "argument 'input' (position 1) must be Tensor, not NoneType"
    assert "        y = y.softmax(-1)\n        return y\n" in patch(recipe, source, Facts("TypeError", message))


def test_no_match_when_the_early_return_gives_another_value():
    source = ('import torch.nn as nn\nclass M(nn.Module):\n    def forward(self, x):\n        h = self.body(x)\n'
              '        if self.features_only:\n            return h\n        logits = self.head(h)\n')
    message = "argument 'input' (position 1) must be Tensor, not NoneType"
    assert not applies(recipe, source, Facts("TypeError", message))


TRAINING_BRANCH = '''\
import torch
import torch.nn as nn


class TemperatureHead(nn.Module):
    """Scores for a batch of embeddings; noise on the features while training only."""

    def __init__(self, dim=8, classes=3, noise=0.1):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.scores = nn.Linear(dim, classes)
        self.noise = noise

    def forward(self, features):
        hidden = torch.relu(self.proj(features))
        if self.training:
            hidden = hidden + self.noise * torch.randn_like(hidden)
            return self.scores(hidden)
        hidden = self.scores(hidden)


torch.manual_seed(0)
head = TemperatureHead()
embeddings = torch.randn(6, 8)
train_scores = head(embeddings)
head.eval()
with torch.no_grad():
    predicted = head(embeddings).argmax(dim=1)
'''


def test_the_path_past_an_early_return_returns_what_it_computed_the_same_way(sandbox):
    patched = patch(recipe, TRAINING_BRANCH, sandbox.facts(TRAINING_BRANCH, "AttributeError"))
    assert "        hidden = self.scores(hidden)\n        return hidden\n" in patched
    sandbox.assert_clean(patched + "expected = head.scores(torch.relu(head.proj(embeddings))).argmax(dim=1)\n"
                                   "assert train_scores.shape == (6, 3) and torch.equal(predicted, expected)\n")


def test_a_path_past_an_early_return_of_another_value_is_left_alone():
    other = TRAINING_BRANCH.replace("            return self.scores(hidden)\n", "            return self.proj(hidden)\n")
    facts = Facts("AttributeError", "'NoneType' object has no attribute 'argmax'", line=28, lines=(28,))
    assert not applies(recipe, other, facts)


FEATURE_FLAG = '''\
import torch
import torch.nn as nn


class TokenTagger(nn.Module):
    def __init__(self, vocab=40, dim=12, tags=5):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.mix = nn.GRU(dim, dim, batch_first=True)
        self.tag = nn.Linear(dim, tags)

    def forward(self, tokens, features_only=False):
        states, _ = self.mix(self.embed(tokens))
        if features_only:
            return states
        tag_scores = self.tag(states)


torch.manual_seed(0)
tagger = TokenTagger()
tokens = torch.randint(0, 40, (3, 7))
features = tagger(tokens, features_only=True)
loss = nn.functional.cross_entropy(tagger(tokens).reshape(-1, 5), torch.randint(0, 5, (21,)))
'''


def test_the_default_path_past_a_flag_for_another_output_returns_what_it_computed(sandbox):
    patched = patch(recipe, FEATURE_FLAG, sandbox.facts(FEATURE_FLAG, "AttributeError"))
    assert "        tag_scores = self.tag(states)\n        return tag_scores\n" in patched
    sandbox.assert_clean(patched + "assert features.shape == (3, 7, 12) and torch.isfinite(loss)\n"
                                   "assert torch.allclose(tagger(tokens), tagger.tag(features))\n")


def test_an_early_return_under_a_test_of_the_data_is_not_a_flag():
    data_test = FEATURE_FLAG.replace("        if features_only:\n", "        if tokens.shape[1] > 5:\n")
    facts = Facts("AttributeError", "'NoneType' object has no attribute 'reshape'", line=23, lines=(23,))
    assert not applies(recipe, data_test, facts)
