"""A checkpoint tensor of another shape than the model's (`head.weight` [10, 32] vs [5, 32]) means
the model was built with other sizes than the trained one. When the script itself builds and
saves that trained model, and only uses the loaded one (evaluation, export, inference), the fix
is to build it with the trained model's arguments (the load stays strict). When the loaded model
is trained afterwards, a different head is most likely the new task's on purpose (fine-tuning),
and choosing what to load then is the user's decision.

The models looked at are the script's module classes and factories, also when built in a plain
wrapper class (`self.model = Net(...)` in a predictor), and an `nn.Sequential` built as the model.
The trained model's arguments must mean the same where the loading model is built: a name local
to the training function (`Model(**cfg)` in `train(cfg)`) is replaced by the one value its callers
give it (`train({"d_model": 32, ...})` gives `Model(d_model=32, ...)`); when that is not known,
nothing is changed rather than writing a name the loading code does not have.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted
from assistant.repair.recipes._models import assigned_before, saved_among, trained_arguments, trains_after, whole_models
from assistant.repair.recipes._state_dicts import failing_loads

name = "evaluate-as-trained"


def match(problem: Problem) -> tuple[cst.Call, list[cst.Arg]] | None:
    """(the loading model's construction, the trained model's arguments as they read there), when
    nothing after the load trains a model."""
    script = problem.script
    models = whole_models(script)
    for load in failing_loads(script, problem.facts.user_lines):
        owner = dotted(load.func.value) if isinstance(load.func, cst.Attribute) else None
        built = assigned_before(script, owner, load)
        if built in models and not trains_after(script, built, owner) and (trained := _trained(script, built, models)):
            args = trained_arguments(script, trained, built)
            return (built, args) if args is not None else None
    return None


def apply(problem: Problem, found: tuple[cst.Call, list[cst.Arg]]) -> Edits:
    built, args = found
    edits = problem.edits()
    edits.replace(built, built.with_changes(args=args))
    return edits


def _trained(script: Script, built: cst.Call, models: list[cst.Call]) -> cst.Call | None:
    """The one other way the script builds this model for weights it saves; else the one other
    way it builds this model at all."""
    same = [call for call in models if callee(call) == callee(built) and script.code(call) != script.code(built)]
    for pool in (saved_among(script, same), same):
        others = {script.code(call): call for call in pool}
        if others:
            return next(iter(others.values())) if len(others) == 1 else None
    return None

