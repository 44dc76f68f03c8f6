"""Missing and unexpected keys that are both real layer names mean the checkpoint belongs to a model
of another architecture or config (another depth, head or flag) than the one built to load it. The
fix is to build the model the way the weights were trained. When the script itself shows that
(it builds and saves the trained model of the same class), the loading model gets the trained
model's constructor arguments; the load stays strict, so anything else that differs still fails.
A checkpoint from elsewhere carries no such evidence, and then nothing is changed.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted
from assistant.repair.recipes._models import assigned_before, model_constructions, saved_constructions
from assistant.repair.recipes._state_dicts import failing_loads

name = "build-as-trained"


def match(problem: Problem) -> tuple[cst.Call, cst.Call] | None:
    """The construction of the model that failed to load, and the trained model's construction."""
    script = problem.script
    for load in failing_loads(script, problem.facts.user_lines):
        built = assigned_before(script, dotted(load.func.value), load) if isinstance(load.func, cst.Attribute) else None
        if built is not None and built in model_constructions(script) and (trained := _trained(script, built)):
            return built, trained
    return None


def apply(problem: Problem, found: tuple[cst.Call, cst.Call]) -> Edits:
    built, trained = found
    edits = problem.edits()
    edits.replace(built, built.with_changes(args=trained.deep_clone().args))
    return edits


def _trained(script: Script, built: cst.Call) -> cst.Call | None:
    """The one other way the script builds this class for a model whose weights it saves; else the
    one other way it builds this class at all."""
    for pool in (saved_constructions(script), model_constructions(script)):
        others = {script.code(call): call for call in pool
                  if callee(call) == callee(built) and script.code(call) != script.code(built)}
        if others:
            return next(iter(others.values())) if len(others) == 1 else None
    return None
