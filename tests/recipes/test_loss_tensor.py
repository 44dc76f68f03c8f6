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


LOSS_SECOND = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 4)

    def forward(self, x, labels):
        logits = self.proj(x)
        nll = F.cross_entropy(logits, labels)
        return logits, nll


tagger = Tagger()
x, labels = torch.randn(12, 6), torch.randint(0, 4, (12,))
out = tagger(x, labels)
out.backward()
'''

# What went backward is the model's loss, not its logits.
NLL_WENT_BACKWARD = '''
assert out.dim() == 0 and torch.allclose(out, F.cross_entropy(tagger.proj(x), labels))
assert tagger.proj.weight.grad is not None
'''


def test_a_tuple_with_the_loss_second_is_unpacked_at_its_place(sandbox):
    patched = patch(recipe, LOSS_SECOND, sandbox.facts(LOSS_SECOND, "AttributeError"))
    assert "_, out = tagger(x, labels)\n" in patched
    sandbox.assert_clean(patched + NLL_WENT_BACKWARD)


FILLED_DICT = '''\
import torch
import torch.nn as nn

torch.manual_seed(0)


class Objective(nn.Module):
    def forward(self, pred, target):
        terms = {"mae": (pred - target).abs().mean().item()}
        terms["loss"] = ((pred - target) ** 2).mean()
        return terms


head = nn.Linear(3, 1)
objective = Objective()
x, y = torch.randn(10, 3), torch.randn(10, 1)
objective(head(x), y).backward()
assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0
'''


def test_a_call_that_went_backward_reads_the_loss_of_the_dict_it_fills(sandbox):
    patched = patch(recipe, FILLED_DICT, sandbox.facts(FILLED_DICT, "AttributeError"))
    assert 'objective(head(x), y)["loss"].backward()\n' in patched
    sandbox.assert_clean(patched)


def test_no_match_when_two_elements_look_like_losses():
    code = ('import torch\n\ndef split(a, b):\n    return a.sum(), b.sum()\n\n'
            'def losses(p, q):\n    loss_a = p.sum()\n    loss_b = q.sum()\n    return loss_a, loss_b\n\n'
            'pair = losses(x, y)\npair.backward()\n')
    facts = Facts("AttributeError", "'tuple' object has no attribute 'backward'", line=12, lines=(12,))
    assert not applies(recipe, code, facts)
