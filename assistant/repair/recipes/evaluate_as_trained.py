"""A checkpoint tensor of another shape than the model's (`head.weight` [10, 32] vs [5, 32]) means
the model was built with other sizes than the trained one. When the script itself builds and
saves that trained model, and only uses the loaded one (evaluation, export, inference), the fix
is to build it with the trained model's arguments (build-as-trained's edit; the load stays
strict). When the loaded model is trained afterwards, a different head is most likely the new
task's on purpose (fine-tuning), and choosing what to load then is the user's decision.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes import build_as_trained
from assistant.repair.recipes._edit import Edits, Script, callee, kind_of

name = "evaluate-as-trained"
_TRAINING = ("backward", "step")


def match(problem: Problem) -> tuple[cst.Call, cst.Call] | None:
    """build-as-trained's (loading model's construction, trained model's construction), when
    nothing after the load trains a model."""
    found = build_as_trained.match(problem)
    return found if found is not None and not _trains_after(problem.script, found[0]) else None


def apply(problem: Problem, found: tuple[cst.Call, cst.Call]) -> Edits:
    return build_as_trained.apply(problem, found)


def _trains_after(script: Script, built: cst.Call) -> bool:
    """A `.backward()`, an optimizer step or an optimizer built after the loading model is."""
    start = script.span(built)[0]
    return any(script.span(call)[0] > start and (kind_of(call) in _TRAINING or _is_optimizer(call))
               for call in script.calls())


def _is_optimizer(call: cst.Call) -> bool:
    name = callee(call) or ""
    return name.startswith(("torch.optim.", "optim.")) and not name.startswith(("torch.optim.lr_scheduler", "optim.lr_scheduler"))
