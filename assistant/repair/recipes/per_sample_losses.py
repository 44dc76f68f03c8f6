"""A loss is reduced to one number by default, so code that loops over "the per-sample losses"
(`for l in F.cross_entropy(out, y)`, `len(losses)`, `zip(ids, losses)`) iterates a 0-d tensor.
The entry's fix for per-sample values is the loss's own option, `reduction="none"`, which gives
one value per sample. The recipe adds it to the loss call that produced the iterated tensor, or to
the loss module's constructor when that module is called only there (a criterion shared with
the training loss keeps its mean). Other 0-d values (a sum, a metric) are left alone: whether one
number or one per item was meant is not in the code.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, with_keyword

name = "per-sample-losses"
_ITERATING = ("len", "zip", "enumerate", "list", "tuple", "sorted")
_LOSS_FUNCTIONS = ("cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div")


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The loss call (or its module's constructor) to add `reduction="none"` to."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for value in _iterated_on(script, line):
            if (to_change := _unreduced_source(script, value)) is not None:
                return to_change
    return None


def apply(problem: Problem, call: cst.Call) -> Edits:
    edits = problem.edits()
    edits.replace(call, with_keyword(call, "reduction", '"none"'))
    return edits


def _iterated_on(script: Script, line: int) -> list[cst.BaseExpression]:
    """What the line iterates, measures or unpacks: a `for` target's iterable, the arguments of
    `len`/`zip`/`enumerate`..., the value of a tuple unpacking."""
    found: list[cst.BaseExpression] = []
    for loop in script.nodes((cst.For, cst.CompFor)):
        if script.span(loop.iter)[0] == line:
            found.append(loop.iter)
    for call in script.calls_on(line):
        if isinstance(call.func, cst.Name) and call.func.value in _ITERATING:
            found += [arg.value for arg in call.args]
    for assign in script.nodes(cst.Assign):
        if script.covers(assign, line) and isinstance(assign.targets[0].target, (cst.Tuple, cst.List)):
            found.append(assign.value)
    return found


def _unreduced_source(script: Script, value: cst.BaseExpression) -> cst.Call | None:
    if (name := dotted(value)) is not None and (bound := assignment(script, name, value)) is not None:
        value = bound[1]
    if not isinstance(value, cst.Call) or keyword(value, "reduction") is not None:
        return None
    kind = kind_of(value)
    if kind in _LOSS_FUNCTIONS or kind.endswith("_loss"):
        return value
    module = script.bindings.get(callee(value) or "")
    if module is None or not kind_of(module).endswith("Loss") or keyword(module, "reduction") is not None:
        return None
    uses = [call for call in script.calls() if callee(call) == callee(value)]
    return module if len(uses) == 1 else None
