"""Missing and unexpected keys that are both real layer names mean the checkpoint belongs to a model
of another architecture or config (another depth, head or flag) than the one built to load it. The
fix is to build the model the way the weights were trained. When the script itself shows that
(it builds and saves the trained model of the same class), the loading model gets the trained
model's constructor arguments; the load stays strict, so anything else that differs still fails.
A checkpoint from elsewhere carries no such evidence, and then nothing is changed.

The trained arguments must mean at the loading site what they meant where the model was trained.
A config local to the training function (`Net(**cfg)` in `train()`) is read from the checkpoint
when that function saves it next to the weights the load reads (`{"config": cfg, "state_dict":
...}` gives `Net(**ckpt["config"])`); else it is replaced by the one value it had there; when
neither is known, nothing is changed rather than writing a name the loading code does not have.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted
from assistant.repair.recipes._models import (assigned_before, model_constructions, names_read, saved_constructions,
                                              trained_arguments, visible_from)
from assistant.repair.recipes._state_dicts import failing_loads

name = "build-as-trained"


def match(problem: Problem) -> tuple[cst.Call, list[cst.Arg]] | None:
    """The construction of the model that failed to load, and the trained model's arguments as
    they read there."""
    script = problem.script
    for load in failing_loads(script, problem.facts.user_lines):
        built = assigned_before(script, dotted(load.func.value), load) if isinstance(load.func, cst.Attribute) else None
        if built is not None and built in model_constructions(script) and (trained := _trained(script, built)):
            args = _arguments(script, trained, built, load)
            return (built, args) if args is not None else None
    return None


def apply(problem: Problem, found: tuple[cst.Call, list[cst.Arg]]) -> Edits:
    built, args = found
    edits = problem.edits()
    edits.replace(built, built.with_changes(args=args))
    return edits


def _arguments(script: Script, trained: cst.Call, built: cst.Call, load: cst.Call) -> list[cst.Arg] | None:
    """The trained arguments as they can be written where the loading model is built: as they
    are, with a config the loading site cannot see read from the checkpoint that saved it, or
    with each such name replaced by the one value it had."""
    unseen = {name for arg in trained.args for name in names_read(arg.value) if not visible_from(script, name, trained, built)}
    if not unseen:
        return [arg.deep_clone() for arg in trained.args]
    saved = _saved_keys(script, trained, load)
    if saved is not None:
        checkpoint, keys = saved
        args = []
        for arg in trained.args:
            if isinstance(arg.value, cst.Name) and arg.value.value in keys:
                args.append(arg.with_changes(value=cst.parse_expression(f'{checkpoint}[{keys[arg.value.value]}]')))
            elif names_read(arg.value) & unseen:
                break
            else:
                args.append(arg.deep_clone())
        else:
            return args
    return trained_arguments(script, trained, built)


def _saved_keys(script: Script, trained: cst.Call, load: cst.Call) -> tuple[str, dict[str, str]] | None:
    """(the loaded checkpoint's name, {a name the training function saves in it: its key}) when
    the load reads `checkpoint["<key>"]` and a torch.save in the training function writes a dict
    literal holding weights under that key."""
    weights = load.args[0].value if load.args else None
    if not (isinstance(weights, cst.Subscript) and isinstance(weights.value, cst.Name) and len(weights.slice) == 1
            and isinstance(weights.slice[0].slice, cst.Index)
            and isinstance(key := weights.slice[0].slice.value, cst.SimpleString)):
        return None
    training = script.function_of(trained)
    for save in script.calls():
        if callee(save) != "torch.save" or script.function_of(save) is not training or not save.args:
            continue
        saved = save.args[0].value
        if not isinstance(saved, cst.Dict):
            continue
        entries = {script.code(e.key): e.value for e in saved.elements if isinstance(e, cst.DictElement)}
        value = entries.get(script.code(key))
        if value is not None and script.code(value).endswith(".state_dict()"):
            names = {v.value: k for k, v in entries.items() if isinstance(v, cst.Name)}
            return weights.value.value, names
    return None


def _trained(script: Script, built: cst.Call) -> cst.Call | None:
    """The one other way the script builds this class for a model whose weights it saves; else the
    one other way it builds this class at all."""
    for pool in (saved_constructions(script), model_constructions(script)):
        others = {script.code(call): call for call in pool
                  if callee(call) == callee(built) and script.code(call) != script.code(built)}
        if others:
            return next(iter(others.values())) if len(others) == 1 else None
    return None
