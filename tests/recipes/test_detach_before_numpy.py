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
