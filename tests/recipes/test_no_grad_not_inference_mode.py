from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import no_grad_not_inference_mode as recipe

PROBING = '''\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


@torch.inference_mode()
def embed_all(encoder, loader):
    """Runs the frozen encoder once over the whole set."""
    return torch.cat([encoder(x) for x, _ in loader])


torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(10, 24), nn.GELU()).eval()
images, labels = torch.randn(96, 10), torch.randint(0, 4, (96,))
loader = DataLoader(TensorDataset(images, labels), batch_size=32)
embeddings = embed_all(encoder, loader)

probe = nn.Linear(24, 4)
optimizer = torch.optim.Adam(probe.parameters(), lr=1e-2)
losses = []
for epoch in range(5):
    loss = nn.functional.cross_entropy(probe(embeddings), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
'''

# The probe trained on the encoder's real features, and the encoder stayed frozen.
PROBE_TRAINED = '''
assert not embeddings.is_inference() and embeddings.shape == (96, 24)
assert torch.allclose(embeddings, encoder(images))
assert losses[-1] < losses[0] and encoder[0].weight.grad is None
'''

PROTOTYPES = '''\
import torch
import torch.nn as nn


class PrototypeClassifier(nn.Module):
    """Few-shot head: classes are the mean embeddings of their support examples."""

    def __init__(self, dim=6, width=16):
        super().__init__()
        self.embed = nn.Linear(dim, width)
        self.prototypes = None

    def set_support(self, support, support_labels, classes):
        with torch.inference_mode():
            emb = self.embed(support)
            self.prototypes = torch.stack([emb[support_labels == c].mean(0) for c in range(classes)])

    def forward(self, query):
        return -torch.cdist(self.embed(query), self.prototypes)


torch.manual_seed(0)
model = PrototypeClassifier()
support, support_labels = torch.randn(15, 6), torch.arange(15) % 3
query, query_labels = torch.randn(9, 6), torch.arange(9) % 3
model.set_support(support, support_labels, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
logits = model(query)
loss = nn.functional.cross_entropy(logits, query_labels)
loss.backward()
optimizer.step()
'''


def test_the_decorated_helper_gives_normal_tensors(sandbox):
    patched = patch(recipe, PROBING, sandbox.facts(PROBING, "RuntimeError"))
    assert '@torch.no_grad()\ndef embed_all(encoder, loader):\n    """Runs' in patched
    sandbox.assert_clean(patched + PROBE_TRAINED)


def test_the_block_that_built_the_attribute_is_switched(sandbox):
    patched = patch(recipe, PROTOTYPES, sandbox.facts(PROTOTYPES, "RuntimeError"))
    assert "        with torch.no_grad():\n            emb = self.embed(support)\n" in patched
    sandbox.assert_clean(patched + "assert logits.shape == (9, 3) and not model.prototypes.requires_grad\n"
                         "assert model.embed.weight.grad is not None\n")


def test_inference_mode_turned_off_is_not_touched():
    facts = Facts("RuntimeError", "Inference tensors cannot be saved for backward. To work around you can make a clone")
    code = "import torch\nwith torch.inference_mode(False):\n    y = f(x)\nloss = g(y)\n"
    assert not applies(recipe, code, facts)
