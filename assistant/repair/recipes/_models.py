"""Where a script's models come from: the nn.Module classes it defines (and the functions that
return them), the calls that build whole models from them (not the submodules built inside a
class), and which of those models had its weights saved. What the recipes that rebuild a model before loading weights into it read.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes._definitions import assignment, parameters
from assistant.repair.recipes._edit import Script, callee, calls_in, dotted, kind_of
from assistant.repair.recipes._values import definitions

_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


def module_classes(script: Script) -> frozenset[str]:
    """Names of the classes the script defines that derive (directly or through each other) from nn.Module."""
    classes = script.nodes(cst.ClassDef)
    found: set[str] = set()
    grew = True
    while grew:
        before = len(found)
        for node in classes:
            bases = {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in node.bases}
            if "Module" in bases or bases & found:
                found.add(node.name.value)
        grew = len(found) > before
    return frozenset(found)


def model_constructions(script: Script) -> list[cst.Call]:
    """Calls of the script's own module classes, or of its functions that return one, outside any
    class body: whole models being built."""
    builders = module_classes(script) | _model_factories(script)
    return [call for call in script.calls() if callee(call) in builders
            and not any(isinstance(a, cst.ClassDef) for a in script.ancestors(call))]


def saved_constructions(script: Script) -> list[cst.Call]:
    """The constructions whose `.state_dict()` a torch.save call writes, directly
    (`torch.save(Net().state_dict(), p)`) or through the name they were last bound to before."""
    return saved_among(script, model_constructions(script))


def saved_among(script: Script, constructions: list[cst.Call]) -> list[cst.Call]:
    """Those of these constructions whose weights a torch.save call writes, as saved_constructions
    finds them: for recipes that look at more constructions than model_constructions gives."""
    built = set(constructions)
    found: list[cst.Call] = []
    for save in (call for call in script.calls() if callee(call) == "torch.save"):
        for inner in calls_in(save):
            if kind_of(inner) == "state_dict" and isinstance(inner.func, cst.Attribute):
                owner = inner.func.value
                construction = owner if isinstance(owner, cst.Call) else assigned_before(script, dotted(owner), inner)
                if construction in built and construction not in found:
                    found.append(construction)
    return found


def whole_models(script: Script) -> list[cst.Call]:
    """model_constructions, and also the whole models built in a class that is not a module (a
    predictor or service wrapper's `self.model = Net()`) and the torch.nn containers built as the
    model itself (`encoder = nn.Sequential(...)` outside any module class)."""
    classes = module_classes(script)
    builders = classes | _model_factories(script)
    return [call for call in script.calls()
            if (callee(call) in builders or kind_of(call) in _CONTAINERS)
            and not any(isinstance(a, cst.ClassDef) and a.name.value in classes for a in script.ancestors(call))
            and not _inside_container(script, call)]


def _inside_container(script: Script, call: cst.Call) -> bool:
    """A layer or block built as an argument of a container (`nn.Sequential(Block(), ...)`)."""
    return any(isinstance(a, cst.Call) and kind_of(a) in _CONTAINERS for a in script.ancestors(call))


def assigned_before(script: Script, name: str | None, use: cst.CSTNode) -> cst.Call | None:
    """The call last assigned to the name on a line before the use (scripts often reuse a name
    such as `model` or `optimizer` for the trained and the restored object)."""
    line = script.span(use)[0]
    found = None
    for node in script.nodes(cst.Assign):
        if script.span(node)[0] >= line:
            break
        if isinstance(node.value, cst.Call) and name and any(dotted(t.target) == name for t in node.targets):
            found = node.value
    return found


def _model_factories(script: Script) -> frozenset[str]:
    """Module-level functions that return a model: a construction of the script's module classes
    or of a torch.nn container, directly or through a name."""
    classes = module_classes(script)
    found = set()
    for function in script.module.body:
        if isinstance(function, cst.FunctionDef):
            for node in script.nodes(cst.Return):
                value = node.value
                made = script.bindings.get(dotted(value) or "") if isinstance(value, (cst.Name, cst.Attribute)) else value
                if (script.function_of(node) is function and isinstance(made, cst.Call)
                        and (callee(made) in classes or kind_of(made) in _CONTAINERS)):
                    found.add(function.name.value)
    return frozenset(found)


def trained_arguments(script: Script, trained: cst.Call, built: cst.Call) -> list[cst.Arg] | None:
    """The trained construction's arguments, with each name the loading site cannot see replaced
    by the one value it had (`**cfg` spread into keywords when that value is a dict literal)."""
    args: list[cst.Arg] = []
    for arg in trained.args:
        if all(visible_from(script, name, trained, built) for name in names_read(arg.value)):
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
    return only if only is not None and not names_read(only) else None


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


def names_read(value: cst.BaseExpression) -> set[str]:
    """The names an expression reads: not the attribute after a dot, not a nested call's keyword."""
    labels = {id(node.attr) for node in m.findall(value, m.Attribute())}
    labels |= {id(node.keyword) for node in m.findall(value, m.Arg()) if node.keyword is not None}
    return {node.value for node in m.findall(value, m.Name()) if id(node) not in labels}


def visible_from(script: Script, name: str, trained: cst.Call, built: cst.Call) -> bool:
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


_TRAINING = ("backward", "step")


def trains_after(script: Script, node: cst.CSTNode, model: str | None = None) -> bool:
    """A `.backward()`, an optimizer step or an optimizer built on a line after the node, or a
    function of the script that does one of these called there with the model (`train(model,
    ...)`): the model is trained from there on (fine-tuning), not only used."""
    start, trainers = script.span(node)[0], _training_functions(script)
    return any(script.span(call)[0] > start and (_trains(call) or _trains_model(call, trainers, model))
               for call in script.calls())


def _trains_model(call: cst.Call, trainers: frozenset[str], model: str | None) -> bool:
    return model is not None and callee(call) in trainers and any(dotted(arg.value) == model for arg in call.args)


def _training_functions(script: Script) -> frozenset[str]:
    """The names of the script's functions whose body trains (calls backward, step or builds an optimizer)."""
    return frozenset(function.name.value for function in script.nodes(cst.FunctionDef)
                     if any(_trains(call) for call in calls_in(function)))


def _trains(call: cst.Call) -> bool:
    return kind_of(call) in _TRAINING or _is_optimizer(call)


def _is_optimizer(call: cst.Call) -> bool:
    name = callee(call) or ""
    return name.startswith(("torch.optim.", "optim.")) and not name.startswith(("torch.optim.lr_scheduler", "optim.lr_scheduler"))
