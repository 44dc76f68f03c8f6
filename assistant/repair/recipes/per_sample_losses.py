"""A loss is reduced to one number by default, so code that loops over "the per-sample losses"
(`for l in F.cross_entropy(out, y)`, `len(losses)`, `zip(ids, losses)`, `errors.extend(loss)`)
iterates a 0-d tensor. The entry's fix for per-sample values is the loss's own option,
`reduction="none"`, which gives one value per sample. The recipe gives it where the iterated
tensor was computed, and only there, so that a training loss computed the same way keeps its mean:

- a loss function's call (`F.cross_entropy(...)`) gets the keyword;
- a loss module (`criterion = nn.CrossEntropyLoss(...)`) called only there gets it in its
  constructor; one shared with other calls keeps its mean, and a per-sample twin built with the
  same arguments next to it is called there instead;
- a helper defined here that returns a loss (`return F.cross_entropy(...)`) is followed into:
  called only there, its loss gets the keyword; called elsewhere too, it gets a `reduction`
  parameter (default "mean", what it did before) that this call passes as "none".

Other 0-d values (a sum, a metric) are left alone: whether one number or one per item was meant
is not in the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, parameters
from assistant.repair.recipes._edit import (
    Edits, Script, callee, dotted, expr, free_name, keyword, kind_of, statement, with_keyword,
)
from assistant.repair.recipes._values import definitions

name = "per-sample-losses"
_ITERATING = ("len", "zip", "enumerate", "list", "tuple", "sorted", "sum", "max", "min", "map", "filter",
              "set", "reversed", "iter", "any", "all")
_ITERATING_METHODS = ("extend",)  # list methods that iterate their argument
_SAME_SHAPE = ("detach", "cpu", "cuda", "clone", "float", "double", "to", "abs", "exp", "log", "sqrt")
_LOSS_FUNCTIONS = ("cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div")
_DEPTH = 6  # how many names, method calls and helpers back the iterated value is followed


@dataclass(frozen=True)
class Unreduced:
    """Add `reduction="none"` to this loss call or loss module constructor."""

    call: cst.Call

    def edit(self, script: Script, edits: Edits) -> None:
        edits.replace(self.call, with_keyword(self.call, "reduction", '"none"'))


@dataclass(frozen=True)
class PerSampleTwin:
    """Build a per-sample copy of a shared loss module next to it and call that one here."""

    constructor: cst.Call
    bound: str  # the name the module is bound to: `criterion`, `self.loss_fn`
    call: cst.Call

    def edit(self, script: Script, edits: Edits) -> None:
        head, _, last = self.bound.rpartition(".")
        twin = free_name(script, f"{head}.per_sample_{last}" if head else f"per_sample_{last}")
        built = script.module.code_for_node(with_keyword(self.constructor, "reduction", '"none"'))
        edits.insert_after(script.statement_of(self.constructor), statement(f"{twin} = {built}\n"))
        edits.replace(self.call.func, expr(twin))


@dataclass(frozen=True)
class ReductionParameter:
    """Give a shared helper a `reduction` parameter for its loss call, passed as "none" here."""

    function: cst.FunctionDef
    loss: cst.Call
    call: cst.Call

    def edit(self, script: Script, edits: Edits) -> None:
        no_space = cst.SimpleWhitespace("")
        added = cst.Param(cst.Name("reduction"), default=expr('"mean"'),
                          equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space))
        params = self.function.params
        edits.replace(params, params.with_changes(params=[*params.params, added]))
        edits.replace(self.loss, with_keyword(self.loss, "reduction", "reduction"))
        edits.replace(self.call, with_keyword(self.call, "reduction", '"none"'))


Change = Unreduced | PerSampleTwin | ReductionParameter


@needs_failing_line
def match(problem: Problem) -> Change | None:
    """Where to ask the loss behind the iterated tensor for one value per sample."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for value in _iterated_on(script, line):
            if (change := _per_sample(script, value, _DEPTH)) is not None:
                return change
    return None


def apply(problem: Problem, change: Change) -> Edits:
    edits = problem.edits()
    change.edit(problem.script, edits)
    return edits


def _iterated_on(script: Script, line: int) -> list[cst.BaseExpression]:
    """What the line iterates, measures or unpacks: a `for` target's iterable, the arguments of
    `len`/`zip`/`enumerate`... and of `list.extend`, a `*` argument, the value of a tuple unpacking."""
    found: list[cst.BaseExpression] = []
    for loop in script.nodes((cst.For, cst.CompFor)):
        if script.span(loop.iter)[0] == line:
            found.append(loop.iter)
    for call in script.calls_on(line):
        if isinstance(call.func, cst.Name) and call.func.value in _ITERATING or (
                isinstance(call.func, cst.Attribute) and call.func.attr.value in _ITERATING_METHODS):
            found += [arg.value for arg in call.args]
        found += [arg.value for arg in call.args if arg.star == "*"]
    for assign in script.nodes(cst.Assign):
        unpacks = isinstance(assign.targets[0].target, (cst.Tuple, cst.List))
        if script.covers(assign, line) and unpacks and not _is_helper_call(script, assign.value):
            found.append(assign.value)  # a helper's result unpacked was meant to be a tuple, not per-sample losses
    return found


def _is_helper_call(script: Script, value: cst.BaseExpression) -> bool:
    """A call of a function or method defined in this file."""
    return isinstance(value, cst.Call) and kind_of(value) in script.defined_functions | script.methods


def _per_sample(script: Script, value: cst.BaseExpression, depth: int) -> Change | None:
    """The change that makes the value one loss per sample, followed back through names,
    shape-keeping tensor methods (`losses.detach()`) and helpers that return the loss."""
    value = _without_same_shape_methods(value)
    if depth == 0:
        return None
    if (bound := dotted(value)) is not None and (found := assignment(script, bound, value)) is not None:
        return _per_sample(script, found[1], depth - 1)
    if not isinstance(value, cst.Call) or keyword(value, "reduction") is not None:
        return None
    if isinstance(value.func, cst.Call):  # `nn.MSELoss()(pred, y)`
        return Unreduced(value.func) if _is_loss_module(value.func) else None
    if _is_helper_call(script, value):
        return _through_helper(script, value, depth)
    if _is_loss_function_call(value):
        return Unreduced(value)
    return _from_module(script, value)


def _without_same_shape_methods(value: cst.BaseExpression) -> cst.BaseExpression:
    """`losses` for `losses.detach().cpu()`: methods that keep one value per element."""
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and (
            value.func.attr.value in _SAME_SHAPE):
        value = value.func.value
    return value


def _from_module(script: Script, call: cst.Call) -> Change | None:
    """`criterion(pred, y)`: its constructor gets the keyword when this is the module's only
    call, else a per-sample twin is called here."""
    constructors = [found for found in definitions(script, call.func) if isinstance(found, cst.Call)]
    if len(constructors) != 1 or not _is_loss_module(constructors[0]):
        return None
    constructor = constructors[0]
    uses = [other for other in script.calls() if _calls_module(script, other, constructor)]
    if len(uses) == 1:
        return Unreduced(constructor)
    return PerSampleTwin(constructor, callee(call) or "", call) if _twin_is_visible(script, constructor, call) else None


def _twin_is_visible(script: Script, constructor: cst.Call, call: cst.Call) -> bool:
    """Whether a twin assigned next to the constructor is in scope at the call: the module is
    bound under the name the call uses (not handed in as a parameter of another name), at module
    level, in the calling function, or as a `self.` attribute of the calling method's class."""
    bound = script.statement_of(constructor)
    same_name = bound is not None and any(
        isinstance(part, cst.Assign) and part.value is constructor and dotted(part.targets[0].target) == callee(call)
        for part in getattr(bound, "body", ()))
    built_in, called_in = script.function_of(constructor), script.function_of(call)
    return same_name and (built_in in (None, called_in) or (callee(call) or "").startswith("self.")
                          and _class_of(script, built_in) is _class_of(script, called_in) is not None)


def _class_of(script: Script, node: cst.CSTNode | None) -> cst.ClassDef | None:
    return next((a for a in script.ancestors(node) if isinstance(a, cst.ClassDef)), None) if node is not None else None


def _through_helper(script: Script, call: cst.Call, depth: int) -> Change | None:
    """The change inside a helper defined here whose one `return` is the loss: made there when
    this is the helper's only call; else a `reduction` parameter that only this call sets."""
    returns = [node for node in script.nodes(cst.Return) if node.value is not None
               and (function := script.function_of(node)) is not None and function.name.value == kind_of(call)]
    if len(returns) != 1 or (inner := _per_sample(script, returns[0].value, depth - 1)) is None:
        return None
    calls = [other for other in script.calls() if kind_of(other) == kind_of(call)]
    if len(calls) == 1:
        return inner
    function = script.function_of(returns[0])
    if not isinstance(inner, Unreduced) or not _is_loss_function_call(inner.call) or not _takes_more(function):
        return None
    return ReductionParameter(function, inner.call, call)


def _takes_more(function: cst.FunctionDef) -> bool:
    """A function a keyword parameter can simply be appended to: no `*args`, keyword-only
    parameters or `**kwargs`, and no `reduction` of its own."""
    params = function.params
    plain = not isinstance(params.star_arg, cst.Param | cst.ParamStar) and not params.kwonly_params
    return plain and params.star_kwarg is None and "reduction" not in parameters(function)


def _calls_module(script: Script, call: cst.Call, constructor: cst.Call) -> bool:
    return dotted(call.func) is not None and any(found is constructor for found in definitions(script, call.func))


def _is_loss_module(call: cst.Call) -> bool:
    return kind_of(call).endswith("Loss") and keyword(call, "reduction") is None


def _is_loss_function_call(call: cst.Call) -> bool:
    return kind_of(call) in _LOSS_FUNCTIONS or kind_of(call).endswith("_loss")
