from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import zero_based_labels as recipe

RATINGS_LOADER = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
CLASSES = 3
features = torch.randn(90, 4)
ratings = torch.bucketize(features[:, 0], torch.tensor([-0.5, 0.5])) + 1   # ratings 1..3, as in the CSV
loader = DataLoader(TensorDataset(features, ratings), batch_size=30)

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, CLASSES))
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(40):
    correct = 0
    for xb, yb in loader:
        logits = model(xb)
        loss = criterion(logits, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        correct += (logits.argmax(1) == yb).sum().item()
'''

# Loss and accuracy both see rating r as class r - 1, and the model learns the ratings.
SAME_LABELS_EVERYWHERE = '''
assert torch.allclose(loss, criterion(logits, ratings[-30:] - 1))
assert correct / len(features) > 0.9, correct
'''

ONE_HOT_STARS = '''\
import torch
import torch.nn.functional as F

torch.manual_seed(0)
stars = torch.randint(1, 6, (64,))              # 1..5 stars
encoded = F.one_hot(stars, num_classes=5).float()
assert encoded.shape == (64, 5)
'''

STARS_KEEP_THEIR_CLASS = '''
assert torch.equal(encoded.argmax(1) + 1, stars + 1)
assert stars.min() >= 0 and stars.max() <= 4
'''

SEQUENCE_LABELS = '''\
import torch
import torch.nn.functional as F

def batch_loss(logits, tags):
    return F.cross_entropy(logits.flatten(0, 1), tags.flatten())

tags = torch.randint(1, 5, (2, 5))   # tags 1..4
tags[0, 0] = 4
print(batch_loss(torch.randn(2, 5, 4), tags))
'''


def test_labels_from_a_loader_are_shifted_where_the_loop_unpacks_them(sandbox):
    patched = patch(recipe, RATINGS_LOADER, sandbox.facts(RATINGS_LOADER, "IndexError"))
    assert "    for xb, yb in loader:\n        yb = yb - 1\n        logits = model(xb)\n" in patched
    sandbox.assert_clean(patched + SAME_LABELS_EVERYWHERE)


def test_one_based_classes_are_shifted_where_they_are_made(sandbox):
    patched = patch(recipe, ONE_HOT_STARS, sandbox.facts(ONE_HOT_STARS, "RuntimeError"))
    assert "stars = torch.randint(1, 6, (64,)) - 1              # 1..5 stars\n" in patched
    sandbox.assert_clean(patched + STARS_KEEP_THEIR_CLASS)


def test_labels_passed_into_a_helper_are_shifted_at_the_call(sandbox):
    patched = patch(recipe, SEQUENCE_LABELS, sandbox.facts(SEQUENCE_LABELS, "IndexError"))
    assert "    return F.cross_entropy(logits.flatten(0, 1), tags.flatten() - 1)\n" in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_padding_label():
    code = "import torch.nn.functional as F\nloss = F.cross_entropy(logits, tags)\n"
    assert not applies(recipe, code, Facts("IndexError", "Target -1 is out of bounds.", line=2, lines=(2,)))


HEAD_SIZED_BY_THE_LARGEST_LABEL = '''\
import torch
import torch.nn as nn

X = torch.randn(30, 5)
y = torch.randint(0, 4, (30,))
y[0] = 3
num_classes = int(y.max())

model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, num_classes))
loss_fn = nn.CrossEntropyLoss()
loss = loss_fn(model(X), y)
loss.backward()
'''


def test_labels_drawn_from_zero_are_not_shifted(sandbox):
    """randint(0, 4) makes 0-based labels: a label 3 out of bounds means too few classes."""
    facts = sandbox.facts(HEAD_SIZED_BY_THE_LARGEST_LABEL, "IndexError")
    assert not applies(recipe, HEAD_SIZED_BY_THE_LARGEST_LABEL, facts)


FLOAT_GRADES = '''\
import numpy as np
import torch
import torch.nn.functional as F

grades = np.array([0, 2, 1, 3, 2, 0], dtype=np.float32)
y = torch.from_numpy(grades)
onehot = F.one_hot(y, num_classes=4)
'''


def test_float_labels_refused_by_one_hot_are_not_renumbered(sandbox):
    """The labels are refused for their dtype; 0..3 already fit four classes, and `y - 1` would
    turn grade 0 into -1."""
    facts = sandbox.facts(FLOAT_GRADES, "RuntimeError")
    assert "index tensor" in facts.message
    assert not applies(recipe, FLOAT_GRADES, facts)


GRADES_FROM_TEXT = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
LINES = [f"{v:.3f};{1 + int(v > 0) + int(v > 1)}" for v in torch.randn(120).tolist()]   # grade 1..3


def parse(lines):
    values, grades = [], []
    for line in lines:
        value, grade = line.split(";")
        values.append([float(value)])
        grades.append(int(grade))
    return torch.tensor(values), torch.tensor(grades)


def train():
    inputs, grades = parse(LINES)
    loader = DataLoader(TensorDataset(inputs, grades), batch_size=40)
    model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for epoch in range(60):
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    accuracy = (model(inputs).argmax(1) == grades).float().mean().item()
    return grades, accuracy


grades, accuracy = train()
'''

# the accuracy compares against the same 0-based grades the loss trained on
GRADES_MEANT = '''
assert grades.min() == 0 and grades.max() == 2
assert accuracy > 0.9, accuracy
'''


def test_labels_a_metric_also_reads_are_shifted_where_the_helper_makes_them(sandbox):
    patched = patch(recipe, GRADES_FROM_TEXT, sandbox.facts(GRADES_FROM_TEXT, "IndexError"))
    assert "    return torch.tensor(values), torch.tensor(grades) - 1\n" in patched
    assert "yb = yb - 1" not in patched
    sandbox.assert_clean(patched + GRADES_MEANT)


def test_labels_a_metric_also_reads_are_shifted_at_their_assignment(sandbox):
    source = RATINGS_LOADER + "accuracy = (model(features).argmax(1) == ratings).float().mean()\n"
    patched = patch(recipe, source, sandbox.facts(source, "IndexError"))
    assert "ratings = (torch.bucketize(features[:, 0], torch.tensor([-0.5, 0.5])) + 1) - 1" in patched
    sandbox.assert_clean(patched + "assert accuracy > 0.9 and ratings.max() == 2\n")


SURVEY_DATASET = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
answers = torch.randn(90, 4)
scores = answers.argmax(1) + 1                 # survey grades 1..4


class Survey(Dataset):
    def __init__(self, answers, scores):
        self.answers, self.scores = answers, scores

    def __len__(self):
        return len(self.scores)

    def __getitem__(self, index):
        return self.answers[index], self.scores[index]


train, held_out = Survey(answers[:70], scores[:70]), Survey(answers[70:], scores[70:])
model = nn.Linear(4, 4)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
criterion = nn.CrossEntropyLoss()
for epoch in range(20):
    for batch, grade in DataLoader(train, batch_size=10, shuffle=True):
        loss = criterion(model(batch), grade)
        opt.zero_grad()
        loss.backward()
        opt.step()
inputs = torch.stack([held_out[i][0] for i in range(len(held_out))])
truth = torch.stack([held_out[i][1] for i in range(len(held_out))])
accuracy = (model(inputs).argmax(1) == truth).float().mean().item()
'''

SURVEY_MEANT = '''
assert truth.min() == 0 and accuracy > 0.6, accuracy
'''


def test_labels_of_a_dataset_class_are_shifted_in_its_getitem(sandbox):
    facts = sandbox.facts(SURVEY_DATASET, "IndexError")
    patched = patch(recipe, SURVEY_DATASET, facts)
    assert "return self.answers[index], self.scores[index] - 1" in patched
    sandbox.assert_clean(patched + SURVEY_MEANT)
