"""Code that seeds torch for a reproducible run (`torch.manual_seed(0)`) yet draws from NumPy's or
Python's global generator, which it never seeds: `np.random.randn(n, 8)` in a Dataset's `__init__`,
`random.shuffle(files)` for a split. torch.manual_seed seeds torch's generator only, so those draws
differ on every run and two runs of the same script give different results.

Draws in a Dataset's `__getitem__` are left alone: DataLoader workers seed both generators from
torch's (since PyTorch 1.9). So is code that seeds the generator in question (`np.random.seed`,
`random.seed`, a helper such as Lightning's `seed_everything` or transformers' `set_seed`), or that
draws from a Generator it made (`np.random.default_rng(0)`). Incidental: a run that differs is
rarely the only thing pasted code is asked about."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls

name = "only-torch-seeded"
incidental = True
DRAWS = ("rand", "randn", "randint", "random", "normal", "uniform", "choice", "permutation", "shuffle", "sample",
         "gauss", "binomial", "beta", "poisson", "random_sample", "integers")
GENERATORS = {"numpy.random": "np.random.seed(0)", "random": "random.seed(0)"}
SEEDING_HELPERS = ("seed_everything", "set_seed", "set_random_seed", "seed_all", "fix_seed", "setup_seed")


@needs_calls("manual_seed")
def check(code: Code) -> Iterator[Hit]:
    if not any(code.resolved(call.func) in ("torch.manual_seed", "torch.random.manual_seed")
               for call in code.calls_of("manual_seed")) or not code.call_kinds.isdisjoint(SEEDING_HELPERS):
        return
    seeded = {code.resolved(call.func).rpartition(".")[0] for call in code.calls_of("seed")  # type: ignore[union-attr]
              if code.resolved(call.func) is not None}
    for call in code.calls_of(*DRAWS):
        generator = (code.resolved(call.func) or "").rpartition(".")[0]
        if generator not in GENERATORS or generator in seeded or _in_getitem(code, call):
            continue
        yield Hit.at(code, call, f"{source_of(call.func)}(...) draws from the {generator} generator, which this "
                     "file never seeds: torch.manual_seed seeds torch's generator only, so this draw (and "
                     f"everything made from it) differs on every run; seed it too ({GENERATORS[generator]})",
                     {"generator": generator})
        return


def _in_getitem(code: Code, call: ast.Call) -> bool:
    """In a `__getitem__`, which DataLoader workers run with both generators seeded from torch's."""
    return any(isinstance(a, ast.FunctionDef) and a.name == "__getitem__" for a in code.ancestors(call))
