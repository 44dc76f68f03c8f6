from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import loss_tensor as recipe

VAE_CRITERION = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class VAELoss(nn.Module):
    def __init__(self, beta=0.5):
        super().__init__()
        self.beta = beta

    def forward(self, recon, x, mu, logvar):
        reconstruction = F.mse_loss(recon, x)
        kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())
        return reconstruction + self.beta * kl, {"recon": reconstruction.item(), "kl": kl.item()}


encoder, decoder = nn.Linear(8, 4), nn.Linear(2, 8)
criterion = VAELoss()
x = torch.randn(16, 8)
mu, logvar = encoder(x).chunk(2, dim=1)
z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
recon = decoder(z)
loss = criterion(recon, x, mu, logvar)
loss.backward()
'''

# The tensor that went backward is the criterion's total, and the encoder got its gradient.
TOTAL_WENT_BACKWARD = '''
total, logs = criterion(recon, x, mu, logvar)
assert torch.allclose(loss, total)
assert abs(loss.item() - (logs["recon"] + 0.5 * logs["kl"])) < 1e-5
assert encoder.weight.grad is not None and encoder.weight.grad.abs().sum() > 0
'''

ITEM_TOO_EARLY = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 3), torch.randn(32, 1)
before = model.weight.detach().clone()
for step in range(5):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y).item()
    loss.backward()
    opt.step()
    print(f"step {step}: {loss:.4f}")
assert not torch.equal(before, model.weight)
'''

DICT_OUTPUT = '''\
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 2)

    def forward(self, features, labels=None):
        logits = self.fc(features)
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return {"logits": logits, "loss": loss}


model = Classifier()
batch = {"features": torch.randn(4, 5), "labels": torch.tensor([0, 1, 1, 0])}
out = model(**batch)
out.backward()
assert model.fc.weight.grad is not None
'''


def test_a_criterion_that_returns_logs_too_is_unpacked(sandbox):
    patched = patch(recipe, VAE_CRITERION, sandbox.facts(VAE_CRITERION, "AttributeError"))
    assert "loss, _ = criterion(recon, x, mu, logvar)\n" in patched
    sandbox.assert_clean(patched + TOTAL_WENT_BACKWARD)


def test_a_loss_read_as_a_number_too_early_stays_a_tensor(sandbox):
    patched = patch(recipe, ITEM_TOO_EARLY, sandbox.facts(ITEM_TOO_EARLY, "AttributeError"))
    assert "    loss = F.mse_loss(model(x), y)\n" in patched
    sandbox.assert_clean(patched)


def test_a_dict_output_gives_its_loss(sandbox):
    patched = patch(recipe, DICT_OUTPUT, sandbox.facts(DICT_OUTPUT, "AttributeError"))
    assert 'out["loss"].backward()\n' in patched
    sandbox.assert_clean(patched)


def test_no_match_for_a_sum_of_no_losses():
    code = "losses = []\ntotal = sum(losses)\ntotal.backward()\n"
    assert not applies(recipe, code, Facts("AttributeError", "'int' object has no attribute 'backward'", line=3, lines=(3,)))


SUMMED_AS_NUMBERS = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(6)
encoder = nn.Linear(6, 6)
decoder = nn.Linear(6, 6)
x = torch.randn(10, 6)
z = encoder(x)
recon = decoder(z)
terms = {"recon": F.mse_loss(recon, x), "sparsity": z.abs().mean()}
weights = {"recon": 1.0, "sparsity": 1e-2}
objective = 0
for key, term in terms.items():
    objective += weights[key] * term.item()
objective.backward()
curve = []
curve.append(objective)
'''


def test_a_total_summed_from_numbers_sums_the_loss_tensors(sandbox):
    patched = patch(recipe, SUMMED_AS_NUMBERS, sandbox.facts(SUMMED_AS_NUMBERS, "AttributeError"))
    assert "    objective += weights[key] * term\n" in patched and "curve.append(objective.item())\n" in patched
    meant = ("again = F.mse_loss(decoder(encoder(x)), x) + 1e-2 * encoder(x).abs().mean()\n"
             "grads = torch.autograd.grad(again, [encoder.weight, decoder.weight])\n"
             "assert torch.allclose(encoder.weight.grad, grads[0]) and torch.allclose(decoder.weight.grad, grads[1])\n"
             "assert isinstance(curve[0], float) and abs(curve[0] - again.item()) < 1e-6\n")
    sandbox.assert_clean(patched + meant)
