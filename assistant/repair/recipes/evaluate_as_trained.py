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
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import assignment, parameters
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, kind_of
from assistant.repair.recipes._models import assigned_before, saved_among, whole_models
from assistant.repair.recipes._state_dicts import failing_loads
from assistant.repair.recipes._values import definitions

name = "evaluate-as-trained"
_TRAINING = ("backward", "step")


def match(problem: Problem) -> tuple[cst.Call, list[cst.Arg]] | None:
    """(the loading model's construction, the trained model's arguments as they read there), when
    nothing after the load trains a model."""
    script = problem.script
    models = whole_models(script)
    for load in failing_loads(script, problem.facts.user_lines):
        owner = dotted(load.func.value) if isinstance(load.func, cst.Attribute) else None
        built = assigned_before(script, owner, load)
        if built in models and not _trains_after(script, built) and (trained := _trained(script, built, models)):
            args = _arguments_at(script, trained, built)
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


def _arguments_at(script: Script, trained: cst.Call, built: cst.Call) -> list[cst.Arg] | None:
    """The trained construction's arguments, with each name the loading site cannot see replaced
    by the one value it had (`**cfg` spread into keywords when that value is a dict literal)."""
    args: list[cst.Arg] = []
    for arg in trained.args:
        if all(_visible(script, name, trained, built) for name in _names(arg.value)):
            args.append(arg.deep_clone())
        elif (value := _only_value(script, arg.value)) is None:
            return None
        elif arg.star == "**" and isinstance(value, cst.Dict) and (spread := _spread(value)) is not None:
            args += spread
        elif not arg.star:
            args.append(arg.with_changes(value=value.deep_clone()))
        else:
            return None
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args


def _only_value(script: Script, value: cst.BaseExpression) -> cst.BaseExpression | None:
    """The one name-free value a name had where the trained model was built."""
    found = {script.code(item): item for item in definitions(script, value)}
    only = next(iter(found.values())) if len(found) == 1 else None
    return only if only is not None and not _names(only) else None


def _spread(value: cst.Dict) -> list[cst.Arg] | None:
    """`{"d_model": 32}` as the keywords `d_model=32`."""
    args = []
    for element in value.elements:
        key = element.key if isinstance(element, cst.DictElement) else None
        if not isinstance(key, cst.SimpleString) or not str(key.evaluated_value).isidentifier():
            return None
        args.append(cst.Arg(value=element.value.deep_clone(), keyword=cst.Name(str(key.evaluated_value)),
                            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))))
    return args


def _names(value: cst.BaseExpression) -> set[str]:
    """The names an expression reads: not the attribute after a dot, not a nested call's keyword."""
    labels = {id(node.attr) for node in m.findall(value, m.Attribute())}
    labels |= {id(node.keyword) for node in m.findall(value, m.Arg()) if node.keyword is not None}
    return {node.value for node in m.findall(value, m.Name()) if id(node) not in labels}


def _visible(script: Script, name: str, trained: cst.Call, built: cst.Call) -> bool:
    """Whether the name means at the loading site what it meant where the model was trained: the
    same function, or a module-level name (a constant, import, class), not a local or parameter
    of the training function."""
    training = script.function_of(trained)
    if training is None or training is script.function_of(built):
        return True
    bound = assignment(script, name, trained)
    if bound is not None:
        return script.function_of(bound[0]) is None
    return name not in parameters(training)


def _trains_after(script: Script, built: cst.Call) -> bool:
    """A `.backward()`, an optimizer step or an optimizer built after the loading model is."""
    start = script.span(built)[0]
    return any(script.span(call)[0] > start and (kind_of(call) in _TRAINING or _is_optimizer(call))
               for call in script.calls())


def _is_optimizer(call: cst.Call) -> bool:
    name = callee(call) or ""
    return name.startswith(("torch.optim.", "optim.")) and not name.startswith(("torch.optim.lr_scheduler", "optim.lr_scheduler"))
