from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import port_to_linalg as recipe

PCA = '''\
import torch


def pca(features, k):
    centered = features - features.mean(0, keepdim=True)
    cov = centered.T @ centered / (features.shape[0] - 1)
    eigvals, eigvecs = torch.symeig(cov, eigenvectors=True)
    top = eigvecs[:, -k:].flip(1)
    return centered @ top, eigvals.flip(0)[:k], cov


torch.manual_seed(0)
data = torch.randn(100, 6) @ torch.randn(6, 6)
proj, var, cov = pca(data, 2)
'''


def test_symeig_becomes_eigh_on_the_upper_triangle(sandbox):
    patched = patch(recipe, PCA, sandbox.facts(PCA, "RuntimeError"))
    assert '    eigvals, eigvecs = torch.linalg.eigh(cov, UPLO="U")\n' in patched
    sandbox.assert_clean(patched + '''
assert proj.shape == (100, 2) and var[0] >= var[1]
assert torch.allclose(proj.var(0), var, rtol=1e-3)   # the top components, largest first
''')


WHITENING = '''\
import torch


class Whitening:
    def __init__(self, eps=1e-5):
        self.eps = eps

    def fit(self, x):
        self.mu = x.mean(0)
        c = torch.cov((x - self.mu).T)
        e, v = c.symeig(eigenvectors=True)
        self.w = v @ torch.diag((e + self.eps).rsqrt()) @ v.T
        return self

    def __call__(self, x):
        return (x - self.mu) @ self.w


torch.manual_seed(3)
x = torch.randn(300, 4) @ torch.randn(4, 4)
z = Whitening().fit(x)(x)
'''


def test_the_method_form_of_symeig_is_ported_too(sandbox):
    patched = patch(recipe, WHITENING, sandbox.facts(WHITENING, "RuntimeError"))
    assert '        e, v = torch.linalg.eigh(c, UPLO="U")\n' in patched
    sandbox.assert_clean(patched + "assert torch.allclose(torch.cov(z.T), torch.eye(4), atol=1e-3)\n")


RIDGE = '''\
import torch
from torch import nn


class RidgeHead(nn.Module):
    def __init__(self, lam=0.1):
        super().__init__()
        self.lam = lam
        self.weight = None

    def fit(self, feats, targets):
        gram = feats.T @ feats + self.lam * torch.eye(feats.shape[1])
        rhs = feats.T @ targets
        self.weight, _ = torch.solve(rhs, gram)
        return self

    def forward(self, feats):
        return feats @ self.weight


torch.manual_seed(1)
x, y = torch.randn(64, 8), torch.randn(64, 2)
head = RidgeHead().fit(x, y)
'''


def test_solve_gets_its_arguments_swapped_and_returns_the_solution_alone(sandbox):
    patched = patch(recipe, RIDGE, sandbox.facts(RIDGE, "RuntimeError"))
    assert "        self.weight = torch.linalg.solve(gram, rhs)\n" in patched
    sandbox.assert_clean(patched + '''
gram = x.T @ x + 0.1 * torch.eye(8)
assert head.weight.shape == (8, 2) and torch.allclose(gram @ head.weight, x.T @ y, atol=1e-4)
''')


def test_the_solution_attribute_and_matrix_rank_keywords():
    removed = Facts("RuntimeError", "This function was deprecated since version 1.9 and is now removed.", line=2)
    assert patch(recipe, "import torch\nx = torch.solve(b, A).solution\n", removed) == (
        "import torch\nx = torch.linalg.solve(A, b)\n")
    assert patch(recipe, "import torch\nr = torch.matrix_rank(m, 1e-3, symmetric=True)\n", removed) == (
        "import torch\nr = torch.linalg.matrix_rank(m, atol=1e-3, hermitian=True)\n")


def test_solve_whose_lu_factor_is_used_is_not_ported():
    removed = Facts("RuntimeError", "This function was deprecated since version 1.9 and is now removed.", line=2)
    assert not applies(recipe, "import torch\nx, lu = torch.solve(b, A)\nprint(lu)\n", removed)
    assert not applies(recipe, "import torch\nout = torch.solve(b, A)\n", removed)
