from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import last_axis_dim as recipe

SENSOR_WINDOWS = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(3)


class Windows(Dataset):
    """Each item: the per-channel mean and spread of one [T, C] sensor window, and its label."""

    def __init__(self, n=24, steps=50, channels=4):
        self.signals = torch.randn(n, steps, channels)
        self.labels = torch.randint(0, 2, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        window = self.signals[i]
        summary = torch.cat([window.mean(0), window.std(0)], dim=1)
        return summary, self.labels[i]


data = Windows()
head = nn.Linear(8, 2)
for feats, labels in DataLoader(data, batch_size=6):
    loss = nn.functional.cross_entropy(head(feats), labels)
    loss.backward()
'''

ONE_REQUEST = '''\
import torch
from torch import nn

torch.manual_seed(1)
scorer = nn.Sequential(nn.Linear(5, 12), nn.Tanh(), nn.Linear(12, 4)).eval()


def log_likelihood(model, features, label):
    """Log-probability the model gives one request's label."""
    with torch.no_grad():
        scores = model(features)
        logp = scores.log_softmax(dim=1)
    return logp[label].item()


requests = torch.randn(3, 5)
answers = [log_likelihood(scorer, requests[i], i % 4) for i in range(3)]
'''


def test_one_sample_built_in_getitem_is_joined_along_its_feature_axis(sandbox):
    patched = patch(recipe, SENSOR_WINDOWS, sandbox.facts(SENSOR_WINDOWS, "IndexError"))
    assert "summary = torch.cat([window.mean(0), window.std(0)], dim=-1)" in patched
    sandbox.assert_clean(patched + "x, _ = data[5]\nw = data.signals[5]\n"
                                   "assert x.shape == (8,) and torch.equal(x[:4], w.mean(0)) and torch.equal(x[4:], w.std(0))\n"
                                   "assert feats.shape == (6, 8)\n")


def test_a_models_output_for_one_sample_is_normalised_over_its_classes(sandbox):
    patched = patch(recipe, ONE_REQUEST, sandbox.facts(ONE_REQUEST, "IndexError"))
    assert "logp = scores.log_softmax(dim=-1)" in patched
    sandbox.assert_clean(patched + "batched = scorer(requests).log_softmax(dim=1)\n"
                                   "assert all(abs(a - batched[i, i % 4].item()) < 1e-6 for i, a in enumerate(answers))\n")


def out_of_range(line: int, dim: int = 1) -> Facts:
    return Facts("IndexError", f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})",
                 line=line, lines=(line,))


def test_a_tensor_not_known_to_be_one_sample_is_left_alone():
    code = "import torch\nmodel = Net()\nw = torch.rand(5)\nprobs = w.softmax(dim=1)\n"
    assert not applies(recipe, code, out_of_range(4))


def test_a_squeezed_batch_is_left_alone():
    code = "import torch\nmodel = Net()\npreds = model(x)\ntotal = preds.squeeze().sum(dim=1)\n"
    assert not applies(recipe, code, out_of_range(4))
    assert applies(recipe, code.replace(".squeeze()", ""), out_of_range(4))


def test_a_dim_two_past_the_last_axis_is_left_alone():
    code = "import torch\nmodel = Net()\npreds = model(x)\ntotal = preds.sum(dim=2)\n"
    assert not applies(recipe, code, out_of_range(4, dim=2))
