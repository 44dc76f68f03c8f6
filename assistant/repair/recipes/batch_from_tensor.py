"""view/reshape must keep the element count. The size that breaks is usually a hard-coded batch:
`x.view(BATCH_SIZE, 3, 32, 32)` fails on the short last batch, and `x.view(-1, 16 * 5 * 5)` with a
wrong feature count folds features into the batch. The entry's fix reads the batch from the tensor,
`x.size(0)`, and lets -1 absorb at most the per-sample rest; the sizes that describe one sample stay
as written. A reshape of a computed value (`self.out(h).view(BATCH, T, 1)`) would compute it twice
to read its size, so there -1 takes the batch: the message proved the per-sample sizes divide the
element count, so -1 is the batch and nothing else. Other reshapes in the same function that
hard-code the same batch (`h.view(self.batch_size, -1)` after the failing one) read it from their
tensor too: with a count that happens to divide they would silently regroup samples instead.
"""

from __future__ import annotations

import math

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, expr, parse_shape, positional

name = "batch-from-tensor"
_RESHAPES = ("view", "reshape")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, bool] | None:
    """The failing reshape of a named tensor, and whether its -1 batch also needs the rest flattened
    (`x.view(-1, K)` whose K does not divide the sample)."""
    if (sizes := _sizes(problem.facts)) is None:
        return None
    shape, numel = sizes
    script = problem.script
    for call in script.at_failure([c for c in script.calls() if _reshape_of_name(c)], problem.facts.user_lines):
        args = positional(call)
        if len(args) != len(shape) or _mentions_tensor(script, args[0].value):
            continue
        rest = math.prod(size for size in shape[1:] if size != -1)
        if shape[0] != -1 and rest > 0 and numel % rest == 0:
            return call, False
        if shape[0] == -1 and len(shape) == 2 and shape[1] > 0 and numel % shape[1] and \
                not isinstance(call.func.value, cst.Call):
            return call, True
    return None


def apply(problem: Problem, found: tuple[cst.Call, bool]) -> Edits:
    call, flatten = found
    script, edits = problem.script, problem.edits()
    for reshape in (call, *_same_batch_elsewhere(script, call)):
        reshaped = reshape.func.value
        batch = "-1" if isinstance(reshaped, cst.Call) else f"{script.code(reshaped)}.size(0)"
        edits.replace(positional(reshape)[0].value, expr(batch))
    if flatten:
        edits.replace(positional(call)[1].value, expr("-1"))
    return edits


def _sizes(facts: Facts) -> tuple[tuple[int, ...], int] | None:
    shape, numel = parse_shape(facts.values.get("shape")), facts.values.get("numel", "")
    return (shape, int(numel)) if shape and numel.isdigit() else None


def _reshape_of_name(call: cst.Call) -> bool:
    """`x.view(...)` / `self.h.reshape(...)` / `layer(h).view(...)` with the sizes written out."""
    func = call.func
    return (isinstance(func, cst.Attribute) and func.attr.value in _RESHAPES
            and isinstance(func.value, (cst.Name, cst.Attribute, cst.Call)) and bool(positional(call))
            and not isinstance(positional(call)[0].value, (cst.Tuple, cst.List)))


def _same_batch_elsewhere(script: Script, failing: cst.Call) -> list[cst.Call]:
    """The other reshapes in the failing one's function whose first size is spelled the same."""
    scope, batch = script.function_of(failing), script.code(positional(failing)[0].value)
    if batch == "-1":
        return []
    return [call for call in script.calls() if call is not failing and _reshape_of_name(call)
            and script.function_of(call) is scope and len(positional(call)) >= 2
            and script.code(positional(call)[0].value) == batch]


def _mentions_tensor(script: Script, size: cst.BaseExpression) -> bool:
    """A size already read from a tensor (`x.size(0)`, `x.shape[0]`, `len(x)`) is not hard-coded."""
    text = script.code(size)
    return any(part in text for part in (".size(", ".shape", "len("))
