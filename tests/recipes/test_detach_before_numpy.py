from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import assign_checkpoint_weights
from assistant.repair.recipes import detach_before_numpy as recipe

CONFUSION = '''\
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 3)
x = torch.randn(20, 4)
y = torch.randint(0, 3, (20,)).numpy()

logits = model(x)
pred = logits.argmax(dim=1).numpy()              # argmax has no grad: fine
probs = logits.softmax(dim=1).cpu().numpy()      # still attached to the graph
matrix = np.zeros((3, 3), dtype=int)
for t, p in zip(y, pred):
    matrix[t, p] += 1
print(matrix, probs.max())
'''


def test_detaches_on_the_failing_line_only(sandbox):
    facts = sandbox.facts(CONFUSION, "RuntimeError")
    patched = patch(recipe, CONFUSION, facts)
    assert "probs = logits.softmax(dim=1).detach().cpu().numpy()      # still attached to the graph" in patched
    assert "pred = logits.argmax(dim=1).numpy()" in patched
    sandbox.assert_clean(patched)


def test_np_array_of_a_tensor(sandbox):
    broken = ("import numpy as np\nimport torch\nw = torch.randn(3, requires_grad=True)\n"
              "history = []\nhistory.append(np.array(w * 2))\nprint(history)\n")
    patched = patch(recipe, broken, sandbox.facts(broken, "RuntimeError"))
    assert "history.append(np.array((w * 2).detach().cpu()))" in patched
    sandbox.assert_clean(patched)


def test_matches_device_messages_too():
    tree = ("a = t.numpy()\n")
    message = "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
    assert applies(recipe, tree, Facts("TypeError", message))
    assert patch(recipe, "a = t.numpy()\n", Facts("TypeError", message)) == "a = t.detach().cpu().numpy()\n"


META_CHECKPOINT = '''\
import io
import numpy as np
import torch
from torch import nn


class TextCNN(nn.Module):
    def __init__(self, vocab=50, dim=8, classes=3):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim)
        self.fc = nn.Linear(dim, classes)

    def forward(self, tokens):
        return self.fc(self.emb(tokens))


torch.manual_seed(0)
trained = TextCNN()
checkpoint = io.BytesIO()
torch.save(trained.state_dict(), checkpoint)
checkpoint.seek(0)

with torch.device("meta"):
    clf = TextCNN()
clf.load_state_dict(torch.load(checkpoint))
clf.eval()

tokens = torch.randint(0, 50, (4, 6))
with torch.no_grad():
    probs = clf(tokens).softmax(-1)
table = np.round(probs.numpy(), 3)
'''


def test_a_meta_model_gets_the_checkpoint_assigned_not_a_copy_to_the_host(sandbox):
    """On meta there is nothing to copy: the entry's second recipe gives the model its weights."""
    facts = sandbox.facts(META_CHECKPOINT, "TypeError")
    assert patch(recipe, META_CHECKPOINT, facts) is not None  # tried first; it cannot verify on meta
    patched = patch(assign_checkpoint_weights, META_CHECKPOINT, facts)
    assert "clf.load_state_dict(torch.load(checkpoint), assign=True)" in patched
    sandbox.assert_clean(patched + "assert torch.allclose(probs, trained(tokens).softmax(-1))\n"
                                   "assert table.shape == (4, 3)\n")


COLLECTED_PROBABILITIES = '''\
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.metrics import roc_auc_score

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
probs, labels = [], []
for xb, yb in DataLoader(TensorDataset(x, y), batch_size=4):
    probs.append(model(xb).squeeze(1))
    labels.append(yb.numpy())
auc = roc_auc_score(np.concatenate(labels), np.concatenate(probs))
'''


def test_a_list_of_batch_outputs_is_moved_to_the_host_where_the_loop_appends(sandbox):
    """`np.concatenate(probs)` converts each tensor itself: the recipe detaches and copies each
    batch once where the loop collects it, not every `.numpy()` of the file."""
    patched = patch(recipe, COLLECTED_PROBABILITIES, sandbox.facts(COLLECTED_PROBABILITIES, "RuntimeError"))
    assert "    probs.append(model(xb).squeeze(1).detach().cpu())\n" in patched
    assert "    labels.append(yb.numpy())\n" in patched
    meant = "assert abs(auc - roc_auc_score(y.numpy(), model(x).squeeze(1).detach().numpy())) < 1e-12\n"
    sandbox.assert_clean(patched + meant)


def test_a_weight_handed_to_a_numpy_function_on_the_gpu():
    source = ("import numpy as np\nimport torch\nlayer = torch.nn.Linear(8, 8).cuda()\n"
              "counts, edges = np.histogram(layer.weight, bins=5)\n")
    message = "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
    patched = patch(recipe, source, Facts("TypeError", message, line=4, lines=(4,)))
    assert patched.endswith("counts, edges = np.histogram(layer.weight.detach().cpu(), bins=5)\n")
