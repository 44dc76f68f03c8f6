"""`backward()`, `.item()`, `float()`/`int()` and a format spec (`f"{loss:.4f}"`) need one number, and a loss built with `reduction='none'` (or a
hand-written error such as `(pred - y) ** 2`, or `-(y * p.log()).sum(dim=1)` reduced over the
classes only, `-logp.gather(1, y[:, None])` of log-probabilities, or a `reduction='none'` loss
averaged over the features only with `.mean(dim=1)`; the difference may be held by a name,
`err = pred - y`, and the value read out of a metrics dict by its key, `evaluate(...)["mse"]`)
holds one per sample. When the value is such a per-sample loss, the reduction that was meant is the one the built-in losses apply by
default, the mean; when the per-sample losses are multiplied by weights or a mask, it is the
weighted mean `(loss * w).sum() / w.sum()`, which is what the entry's fix writes. The reduction
goes where the loss is defined (`loss = ...`), so that the backward, the logging and everything
after them see the same scalar. A loss whose per-sample values the code also uses (indexed,
summed, `topk`, handed to a function) keeps them: `.item()` or `float()` of it logs its mean
there (`losses.mean().item()`); a `backward()` of a loss indexed per sample later is left alone. A `reduction=` given
through a setting (`reduction=args.reduction`, a config dict) counts when it can hold "none".

Values that are not losses (a model output, a metric like `(pred == y).float()`) get nothing:
whether their mean, sum or one element was meant cannot be read from the code, unless the code
names the number as an average: `"macro_f1": float(f1)`, `mean_iou=ious.item()`,
`avg_score = float(scores)` store the mean of the values (`float(f1.mean())`).
"""

from __future__ import annotations

import re

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, positional
from assistant.repair.recipes._values import settings

name = "reduce-per-sample-loss"
_NEEDS_SCALAR = ("backward", "item")
_TO_NUMBER = ("float", "int")
_ELEMENTWISE = ("abs", "pow", "square")
_LOGS = ("log", "log_softmax", "logsigmoid", "log_sigmoid")
_MAX_DEPTH = 4
_AVERAGE_WORDS = {"macro", "mean", "avg", "average"}
_KEEPS_PER_SAMPLE = ("squeeze", "view", "reshape", "flatten", "float", "double", "detach", "cpu", "to", "clone")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, bool] | None:
    """(the value to reduce, whether it is the value of an assignment) for the `.backward()`,
    `.item()` or `float()` on the failing line whose tensor is a per-sample loss."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for use, tensor in _scalar_uses(script, line):
            if (name := dotted(tensor)) is not None:
                if (found := _named_loss(script, use, name, tensor)) is not None:
                    return found
            elif _per_sample(script, tensor, 0):
                return tensor, False
            if not _is_backward(use) and _named_as_average(script, use):
                return tensor, False
    return None


def _named_as_average(script: Script, use: cst.CSTNode) -> bool:
    """`"macro_f1": float(f1)`, `mean_iou=ious.item()`, `avg_score = float(scores)`: the number
    is stored under a name that says it is the mean of the values."""
    parent = script.parents.get(use)
    if isinstance(parent, cst.DictElement) and parent.value is use and isinstance(parent.key, cst.SimpleString):
        label = str(parent.key.evaluated_value)
    elif isinstance(parent, cst.Arg) and parent.keyword is not None:
        label = parent.keyword.value
    elif isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        label = parent.targets[0].target.value
    else:
        return False
    return bool(set(re.split(r"[^a-z]+", label.lower())) & _AVERAGE_WORDS)


def _scalar_uses(script: Script, line: int) -> list[tuple[cst.CSTNode, cst.BaseExpression]]:
    """(the use, its tensor) for each use on the line that needs one number: the calls of
    `_scalar_operand`, and f-string fields with a format spec (`f"{loss:.4f}"`)."""
    uses = [(call, tensor) for call in script.calls_on(line) if (tensor := _scalar_operand(call)) is not None]
    fields = [node for node in script.nodes(cst.FormattedStringExpression)
              if node.format_spec and script.covers(node, line)]
    return uses + [(field, field.expression) for field in fields]


def _named_loss(script: Script, use: cst.CSTNode, name: str,
                tensor: cst.BaseExpression) -> tuple[cst.BaseExpression, bool] | None:
    """Where to reduce the per-sample loss a name holds: at its definition, or at the failing
    `.item()`/`float()`/format when later code reads its per-sample values."""
    bound = assignment(script, name, use)
    if bound is None or not _per_sample(script, bound[1], 0):
        return None
    if _is_backward(use):
        return None if _indexed_later(script, name, bound[0]) else (bound[1], True)
    if _used_per_sample(script, name, bound[0], tensor):
        return tensor, False
    return bound[1], True


def apply(problem: Problem, found: tuple[cst.BaseExpression, bool]) -> Edits:
    value, _ = found
    edits = problem.edits()
    edits.replace(value, cst.parse_expression(_reduced(problem.script, value)))
    return edits


def _is_backward(use: cst.CSTNode) -> bool:
    return isinstance(use, cst.Call) and isinstance(use.func, cst.Attribute) and use.func.attr.value == "backward"


def _scalar_operand(call: cst.Call) -> cst.BaseExpression | None:
    """The tensor that must hold one number: `t` of `t.backward()` (without a gradient),
    `t.item()`, `float(t)` or `int(t)`."""
    if (isinstance(call.func, cst.Attribute) and call.func.attr.value in _NEEDS_SCALAR
            and not positional(call) and keyword(call, "gradient") is None):
        return call.func.value
    if isinstance(call.func, cst.Name) and call.func.value in _TO_NUMBER and len(call.args) == 1:
        return call.args[0].value
    return None


def _reduced(script: Script, value: cst.BaseExpression) -> str:
    """`(loss * w).sum() / w.sum()` for weighted per-sample losses, else `value.mean()`."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):
        weights = [side for side in (value.left, value.right) if not _per_sample(script, side, 0)]
        if len(weights) == 1 and dotted(weights[0]) is not None and not _is_number(script, weights[0]):
            return f"({script.code(value)}).sum() / {script.code(weights[0])}.sum()"
    return script.code(script.with_method(value, "mean()"))


def per_sample(script: Script, value: cst.BaseExpression) -> bool:
    """Whether the value is a loss with one value per sample (see `_per_sample`): for recipes
    that must tell a per-sample loss from other tensors wherever it is named."""
    return _per_sample(script, value, 0)


def _per_sample(script: Script, value: cst.BaseExpression, depth: int) -> bool:
    """A loss with `reduction='none'`, an elementwise error (`(a - b) ** 2`, `(a - b).abs()`),
    arithmetic on one or a reshape of one, followed through the names it is assigned to."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, cst.Call):
        return (_unreduced_loss(script, value) or _elementwise_error(script, value) or _reduced_per_row(value)
                or _reshaped(script, value, depth) or _reduced_over_dim(script, value, depth)
                or _picked_log_probabilities(script, value)
                or any(_per_sample(script, result, depth + 1) for result in returned(script, value)))
    if isinstance(value, cst.BinaryOperation):
        if isinstance(value.operator, cst.Power) and _holds_difference(script, value.left):
            return True
        return _per_sample(script, value.left, depth + 1) or _per_sample(script, value.right, depth + 1)
    if isinstance(value, cst.UnaryOperation):
        return _per_sample(script, value.expression, depth + 1)
    if isinstance(value, cst.Subscript):
        return any(_per_sample(script, entry, depth + 1) for entry in _dict_entries(script, value))
    if (name := dotted(value)) is not None and (bound := assignment(script, name, value)) is not None:
        return _per_sample(script, bound[1], depth + 1)
    return False


def _reshaped(script: Script, call: cst.Call, depth: int) -> bool:
    """`losses.squeeze(1)`, `losses.view(-1)`, `losses.detach()`: still one value per sample."""
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in _KEEPS_PER_SAMPLE \
        and _per_sample(script, call.func.value, depth + 1)


def _reduced_over_dim(script: Script, call: cst.Call, depth: int) -> bool:
    """`losses.mean(dim=1)`, `kl(...).sum(-1)`: per-element losses reduced over the features
    only, still one value per sample."""
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in ("sum", "mean") \
        and bool(positional(call) or keyword(call, "dim")) and _per_sample(script, call.func.value, depth + 1)


def _picked_log_probabilities(script: Script, call: cst.Call) -> bool:
    """`logp.gather(1, y.unsqueeze(1))` of log-probabilities (`log_softmax`, through names): the
    hand-written negative log-likelihood, one value per sample."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "gather"):
        return False
    source = call.func.value
    if (name := dotted(source)) is not None and (bound := assignment(script, name, source)) is not None:
        source = bound[1]
    return isinstance(source, cst.Call) and _called_name(source) in _LOGS


def _is_number(script: Script, node: cst.BaseExpression) -> bool:
    """A name bound to a number (`alpha = 0.25`, `def loss(..., alpha=0.25)`): a scale, not weights."""
    name = dotted(node)
    bound = assignment(script, name, node) if name else None
    params = [p for p in script.nodes(cst.Param) if p.name.value == name and p.default is not None]
    values = [bound[1]] if bound is not None else [p.default for p in params]
    return any(isinstance(value, (cst.Integer, cst.Float)) for value in values)


def _unreduced_loss(script: Script, call: cst.Call) -> bool:
    """`F.cross_entropy(..., reduction="none")` or `criterion(...)` with a criterion built so."""
    if _reduction_none(script, call):
        return True
    built = script.bindings.get(callee(call) or "")
    return built is not None and kind_of(built).endswith("Loss") and _reduction_none(script, built)


def _reduction_none(script: Script, call: cst.Call) -> bool:
    """`reduction="none"`, spelled out or held by a setting (`reduction=cfg.reduction`)."""
    reduction = keyword(call, "reduction")
    return reduction is not None and any(
        isinstance(value, cst.SimpleString) and value.evaluated_value == "none"
        for value in settings(script, reduction.value))


def _elementwise_error(script: Script, call: cst.Call) -> bool:
    """`(a - b).abs()`, `(a - b).pow(2)`, `torch.abs(a - b)`, `torch.square(a - b)`."""
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in _ELEMENTWISE:
        return False
    operand = call.func.value if dotted(call.func.value) not in ("torch", "F") else (positional(call) or [None])[0]
    operand = operand.value if isinstance(operand, cst.Arg) else operand
    return operand is not None and _holds_difference(script, operand)


def _reduced_per_row(call: cst.Call) -> bool:
    """A hand-written loss reduced over a dim only, one value per sample left:
    `-(y * logits.log_softmax(1)).sum(dim=1)`, `((pred - y) ** 2).mean(1)`."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in ("sum", "mean")):
        return False
    if not positional(call) and keyword(call, "dim") is None:
        return False
    inside = call.func.value
    logs = [c for c in m.findall(inside, m.Call()) if isinstance(c, cst.Call) and _called_name(c) in _LOGS]
    return bool(logs or m.findall(inside, m.BinaryOperation(operator=m.Subtract())))


def _called_name(call: cst.Call) -> str:
    """`log_softmax` for `F.log_softmax(...)` and for `model(x).log_softmax(...)` alike."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else kind_of(call)


def _holds_difference(script: Script, node: cst.BaseExpression) -> bool:
    """`a - b`, or a name bound to one (`err = pred - y`, then `err ** 2`, `err.abs()`)."""
    name = dotted(node)
    bound = assignment(script, name, node) if name is not None else None
    return _is_difference(bound[1] if bound is not None else node)


def _dict_entries(script: Script, read: cst.Subscript) -> list[cst.BaseExpression]:
    """What `metrics["mse"]` reads: the value under that key of the dict literal the name is
    bound to, or of the dict literals a helper defined here returns (`metrics = evaluate(...)`,
    `evaluate(...)["mse"]`)."""
    index = read.slice[0].slice if len(read.slice) == 1 else None
    key = index.value if isinstance(index, cst.Index) else None
    if not isinstance(key, cst.SimpleString):
        return []
    made = read.value
    if (name := dotted(made)) is not None:
        bound = assignment(script, name, read)
        made = bound[1] if bound is not None else None
    dicts = returned(script, made) if isinstance(made, cst.Call) else [made]
    return [element.value for made in dicts if isinstance(made, cst.Dict) for element in made.elements
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
            and element.key.evaluated_value == key.evaluated_value]


def _is_difference(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)


def _used_per_sample(script: Script, name: str, bound: cst.CSTNode, site: cst.BaseExpression) -> bool:
    """Whether code after the definition reads the name's per-sample values: any use other than
    the failing one, its mean (which the reduction keeps) and the calls that need one number."""
    after, scope = script.span(bound)[1], script.function_of(bound)
    uses = [node for node in script.nodes((cst.Name, cst.Attribute)) if dotted(node) == name
            and node is not site and script.span(node)[0] > after and script.function_of(node) is scope
            and not _is_attribute_name(script, node)]
    return any(not _keeps_scalar_use(script, node) for node in uses if not _is_assigned(script, node))


def _indexed_later(script: Script, name: str, bound: cst.CSTNode) -> bool:
    """Whether per-sample values of the name are read after it is defined (`loss[mask]`)."""
    after = script.span(bound)[1]
    return any(script.span(node)[0] > after and dotted(node.value) == name
               for node in script.nodes(cst.Subscript))


def _is_attribute_name(script: Script, node: cst.BaseExpression) -> bool:
    """`losses` in `stats.losses`: another object's attribute, not the name."""
    parent = script.parents.get(node)
    return isinstance(parent, cst.Attribute) and parent.attr is node


def _keeps_scalar_use(script: Script, node: cst.BaseExpression) -> bool:
    """`name.mean()`, `name.item()`, `name.backward()`, `float(name)`, `f"{name:.3f}"`: uses a
    mean serves as well."""
    parent = script.parents.get(node)
    if isinstance(parent, cst.FormattedStringExpression):
        return parent.format_spec is not None
    if isinstance(parent, cst.Attribute) and parent.value is node:
        call = script.parents.get(parent)
        return isinstance(call, cst.Call) and not call.args and parent.attr.value in ("mean", *_NEEDS_SCALAR)
    call = script.parents.get(parent) if isinstance(parent, cst.Arg) else None
    return isinstance(call, cst.Call) and _scalar_operand(call) is node


def _is_assigned(script: Script, node: cst.BaseExpression) -> bool:
    parent = script.parents.get(node)
    return isinstance(parent, cst.AssignTarget) or (isinstance(parent, cst.AugAssign) and parent.target is node)
