"""An optimizer's state_dict records its parameter groups by position and size, so loading it
needs an optimizer built over the same parameters in the same groups. When the script shows how
the optimizer whose state it saved was built (same class, other parameters: a filter on
requires_grad, another group split), the loading optimizer is built over those parameters again.
Frozen parameters can stay in it: without gradients, `step()` leaves them alone.

The saved optimizer may be built by a factory function of the script (its parameters then read
with the factory's arguments) and saved by a helper that gets it as an argument. The saved
parameters are only taken when they belong to the model being resumed (the same name, a part of
it, or a module it was built from): the optimizer of another model (an old, smaller architecture
before fine-tuning) would load but train the wrong weights. A resumed model that is another
instance built the same way and loads the saved weights first (`ft_model = Net()`, then
`ft_model.load_state_dict(...)`) gets the saved parameters read on it (`ft_model.parameters()`).

When the loading optimizer is built by the same factory call as the saved one, but with a config
name rebound in between (`cfg` with a longer no-decay list, so other groups), and the checkpoint
saved that config next to the optimizer's state (`{"opt": opt.state_dict(), "cfg": cfg}`), the
factory is called with the saved config (`build_optimizer(model, state["cfg"])`).
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import MAX_DEPTH, assignment, parameters, resolved
from assistant.repair.recipes._edit import Edits, Script, callee, calls_in, dotted, kind_of, positional
from assistant.repair.recipes._models import assigned_before
from assistant.repair.recipes._state_dicts import failing_loads
from assistant.repair.recipes._values import _passed_at_calls

name = "optimizer-as-saved"
OPTIMIZERS = frozenset({"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
                        "ASGD", "Rprop", "LBFGS", "SparseAdam", "Adafactor"})
_PARAMETER_METHODS = ("parameters", "named_parameters")


def match(problem: Problem) -> tuple[cst.Arg, cst.BaseExpression] | None:
    """The parameters argument of the optimizer that failed to load, and the saved optimizer's
    parameters as they read at the load."""
    script = problem.script
    for load in failing_loads(script, problem.facts.user_lines):
        target = dotted(load.func.value) if isinstance(load.func, cst.Attribute) else None
        built = _built_before(script, target, load) if target else None
        if built is not None and positional(built) and (saved := _saved_parameters(script, built, load)) is not None:
            return positional(built)[0], saved
        made = assigned_before(script, target, load) if target else None
        if made is not None and _factory_construction(script, made) is not None and (config := _saved_config(script, made, load)):
            return config
    return None


def _saved_config(script: Script, made: cst.Call, load: cst.Call) -> tuple[cst.Arg, cst.BaseExpression] | None:
    """(the factory call's config argument, the checkpoint's copy of it) when the load reads
    `checkpoint["<key>"]`, a torch.save wrote a dict literal with an optimizer's state under that
    key and, beside it, the name this call passes, and that name meant another value there."""
    weights = positional(load)[0].value
    if not (isinstance(weights, cst.Subscript) and isinstance(weights.value, cst.Name) and len(weights.slice) == 1
            and isinstance(weights.slice[0].slice, cst.Index)
            and isinstance(key := weights.slice[0].slice.value, cst.SimpleString)):
        return None
    for save in script.calls():
        saved = positional(save)[0].value if callee(save) == "torch.save" and positional(save) else None
        if not isinstance(saved, cst.Dict):
            continue
        entries = {script.code(e.key): e.value for e in saved.elements if isinstance(e, cst.DictElement)}
        state = entries.get(script.code(key))
        if not (isinstance(state, cst.Call) and kind_of(state) == "state_dict" and isinstance(state.func, cst.Attribute)
                and (owner := dotted(state.func.value)) and (before := assigned_before(script, owner, save)) is not None
                and script.code(before) == script.code(made)):
            continue
        names = {value.value: k for k, value in entries.items() if isinstance(value, cst.Name)}
        for arg in made.args:
            if isinstance(arg.value, cst.Name) and (saved_key := names.get(arg.value.value)) is not None:
                there, here = assignment(script, arg.value.value, save), assignment(script, arg.value.value, made)
                if there is not None and here is not None and there[0] is not here[0]:
                    return arg, cst.parse_expression(f"{weights.value.value}[{saved_key}]")
    return None


def apply(problem: Problem, found: tuple[cst.Arg, cst.BaseExpression]) -> Edits:
    loading, saved = found
    edits = problem.edits()
    edits.replace(loading.value, saved.deep_clone())
    return edits


def _saved_parameters(script: Script, loading: cst.Call, load: cst.Call) -> cst.BaseExpression | None:
    """The parameters of the one other construction of this optimizer class whose state_dict()
    the script takes, when they are the resumed model's."""
    loading_code = script.code(positional(loading)[0].value)
    found: dict[str, cst.BaseExpression] = {}
    for call in script.calls():
        if kind_of(call) == "state_dict" and isinstance(call.func, cst.Attribute) and (owner := dotted(call.func.value)):
            for built, params in _constructions(script, owner, call):
                if built is not loading and kind_of(built) == kind_of(loading):
                    found[script.code(params)] = params
    found.pop(loading_code, None)
    if len(found) != 1:
        return None
    saved = next(iter(found.values()))
    loading_params = positional(loading)[0].value
    if _same_model(script, saved, loading_params, load):
        return saved
    twin = _twin_model(script, saved, loading_params, load)
    return saved.visit(_Substituted({twin[0]: cst.Name(twin[1])})) if twin is not None else None


def _twin_model(script: Script, saved: cst.BaseExpression, loading: cst.BaseExpression,
                load: cst.Call) -> tuple[str, str] | None:
    """(the saved model's name, the resumed model's: `ft` for `ft.head.parameters()`) when the
    resumed model is another instance built the same way (`ft_model = Net()` beside `model = Net()`) that loads weights before the
    optimizer state: the saved parameters read on the resumed model are then the same ones. An
    instance built otherwise (an older, smaller architecture) is another model."""
    saved_roots, loading_roots = _model_roots(saved), _model_roots(resolved(script, loading))
    if len(saved_roots) != 1 or len(loading_roots) != 1:
        return None
    saved_root, loading_root = (root.partition(".")[0] for root in (saved_roots.pop(), loading_roots.pop()))
    saved_built, loading_built = assigned_before(script, saved_root, load), assigned_before(script, loading_root, load)
    if saved_built is None or loading_built is None or saved_built is loading_built \
            or script.code(saved_built) != script.code(loading_built):
        return None
    loads_weights = any(kind_of(call) == "load_state_dict" and isinstance(call.func, cst.Attribute)
                        and dotted(call.func.value) == loading_root and script.span(call)[0] < script.span(load)[0]
                        for call in script.calls())
    return (saved_root, loading_root) if loads_weights else None


def _constructions(script: Script, owner: str, use: cst.CSTNode,
                   depth: int = 0) -> Iterator[tuple[cst.Call, cst.BaseExpression]]:
    """(the optimizer construction, its parameters as the caller's code reads them) for the
    optimizer named `owner` at `use`: built there directly, by a factory function of the script,
    or handed to the function holding `use` by its callers."""
    function = script.function_of(use)
    if function is not None and owner in parameters(function):
        for given in _passed_at_calls(script, function, owner) if depth < MAX_DEPTH else ():
            if (name_given := dotted(given)) is not None:
                yield from _constructions(script, name_given, given, depth + 1)
        return
    built = assigned_before(script, owner, use)
    if built is None:
        return
    if kind_of(built) in OPTIMIZERS and positional(built):
        yield built, positional(built)[0].value
    elif (made := _factory_construction(script, built)) is not None:
        yield made


def _factory_construction(script: Script, call: cst.Call) -> tuple[cst.Call, cst.BaseExpression] | None:
    """What `make_optimizer(model, lr)` builds, when that function of the script returns one
    optimizer construction: the construction, and its parameters with the factory's parameter
    names replaced by the call's arguments."""
    functions = [node for node in script.module.body if isinstance(node, cst.FunctionDef)
                 and node.name.value == kind_of(call)]
    if len(functions) != 1 or any(arg.star for arg in call.args):
        return None
    returns = [node.value for node in m.findall(functions[0], m.Return()) if isinstance(node, cst.Return)]
    if len(returns) != 1 or not isinstance(returns[0], cst.Call) or kind_of(returns[0]) not in OPTIMIZERS:
        return None
    made = returns[0]
    if not positional(made) or (values := _arguments(functions[0], call)) is None:
        return None
    return made, positional(made)[0].value.visit(_Substituted(values))


def _arguments(function: cst.FunctionDef, call: cst.Call) -> dict[str, cst.BaseExpression] | None:
    """The call's value for each of the function's parameters (given by position or keyword, or
    the default); None when one has neither."""
    by_position = [*function.params.posonly_params, *function.params.params]
    given = {param.name.value: arg.value for param, arg in zip(by_position, positional(call))}
    given |= {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    values = {}
    for param in (*by_position, *function.params.kwonly_params):
        value = given.get(param.name.value, param.default)
        if value is None:
            return None
        values[param.name.value] = value
    return values


class _Substituted(cst.CSTTransformer):
    """Replaces names by values (a function's parameters by a call's arguments), leaving
    attribute names and keywords alone."""

    def __init__(self, values: dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.values = values

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self.values.get(original_node.value, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        return updated_node.with_changes(attr=original_node.attr)

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        return updated_node.with_changes(keyword=original_node.keyword)


def _same_model(script: Script, saved: cst.BaseExpression, loading: cst.BaseExpression, load: cst.Call) -> bool:
    """No module the saved parameters come from is, at the load, another model than the resumed
    one: each is the resumed model, a part of it, a module it was built from
    (`net = nn.Sequential(backbone, head)`), or not built in the script at all."""
    saved_roots = _model_roots(saved)
    loading_roots = _model_roots(resolved(script, loading))
    return bool(saved_roots) and all(any(not _unrelated(script, saved_root, root, load) for root in loading_roots)
                                     for saved_root in saved_roots)


def _model_roots(params: cst.BaseExpression) -> set[str]:
    """The modules a parameters expression reads: owners of `.parameters()` and
    `.named_parameters()`, and names handed to helpers (`grouped_parameters(model, 0.01)`)."""
    roots: set[str] = set()
    for call in calls_in(params):
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in _PARAMETER_METHODS:
            roots |= {owner} if (owner := dotted(call.func.value)) else set()
        elif not isinstance(call.func, cst.Attribute):
            roots |= {given for arg in positional(call) if (given := dotted(arg.value))}
    return roots


def _unrelated(script: Script, saved_root: str, loading_root: str, load: cst.Call) -> bool:
    """Both names hold, at the load, modules the script builds separately (`new_model = ...`
    beside `model = ...`), neither of them built from or a part of the other."""
    if saved_root == loading_root or loading_root.startswith(saved_root + ".") or saved_root.startswith(loading_root + "."):
        return False
    saved_model, loading_model = saved_root.partition(".")[0], loading_root.partition(".")[0]  # `new` of `new.head`
    saved_built, loading_built = assigned_before(script, saved_model, load), assigned_before(script, loading_model, load)
    if saved_built is None or loading_built is None or saved_model == loading_model:
        return False
    return not (_mentions(loading_built, saved_model) or _mentions(saved_built, loading_model))


def _mentions(node: cst.CSTNode, wanted: str) -> bool:
    return wanted in {dotted(part) for part in m.findall(node, m.Name() | m.Attribute())}


def _built_before(script: Script, name: str, use: cst.CSTNode) -> cst.Call | None:
    """The optimizer last assigned to the name before the use, if that is an optimizer."""
    built = assigned_before(script, name, use)
    return built if built is not None and kind_of(built) in OPTIMIZERS else None
