from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
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
