"""Autocast runs linear layers and convolutions in bfloat16/float16 but leaves indexing assignment,
`scatter` and `masked_scatter` alone, and the accumulating writes (`index_add_`, `scatter_add_`,
`scatter_reduce_`, `index_reduce_`: a graph layer's message sum) too, and those require the value written to have the dtype of the
tensor written into. A buffer made with `torch.zeros(...)` stays float32, so writing a layer's
output into it fails. Casting the value at the write, to the destination's own dtype, is the fix
the entry recommends for buffers kept in float32 on purpose (accumulators): the buffer keeps its
precision and the gradient still flows through the cast.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, positional

name = "cast-at-write"
# method -> (index of the source among its positional arguments, the source's keyword)
_WRITES = {"scatter_": (2, "src"), "scatter": (2, "src"), "index_copy_": (2, "source"), "index_copy": (2, "source"),
           "masked_scatter_": (1, "source"), "masked_scatter": (1, "source"), "index_put_": (1, "values"),
           "index_put": (1, "values"), "index_add_": (2, "source"), "index_add": (2, "source"),
           "scatter_add_": (2, "src"), "scatter_add": (2, "src"), "scatter_reduce_": (2, "src"),
           "scatter_reduce": (2, "src"), "index_reduce_": (2, "source"), "index_reduce": (2, "source")}
Write = tuple[cst.BaseExpression, cst.BaseExpression]  # (destination, value written)


@needs_failing_line
def match(problem: Problem) -> list[Write] | None:
    """The writes on the innermost failing line that has one: `dest[index] = value` and the
    scatter-like methods, each with its destination and the value it writes."""
    script = problem.script
    writes = [write for node in script.nodes((cst.Assign, cst.Call)) if (write := _write(node)) is not None]
    for line in reversed(problem.facts.user_lines):
        if on_line := [write for write in writes if script.covers(write[1], line)]:
            return on_line
    return None


def apply(problem: Problem, writes: list[Write]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for destination, value in writes:
        edits.replace(value, _cast(script, value, destination))
    return edits


def _write(node: cst.Assign | cst.Call) -> Write | None:
    if isinstance(node, cst.Assign):
        target = node.targets[0].target
        if len(node.targets) == 1 and isinstance(target, cst.Subscript):
            return target.value, node.value
        return None
    if isinstance(node.func, cst.Attribute) and (where := _WRITES.get(node.func.attr.value)) is not None:
        index, keyword = where
        args = positional(node)
        named = [arg for arg in node.args if arg.keyword is not None and arg.keyword.value == keyword]
        source = args[index] if len(args) > index else named[0] if named else None
        if source is not None and not isinstance(source.value, (cst.Integer, cst.Float)):
            return node.func.value, source.value
    return None


def _cast(script: Script, value: cst.BaseExpression, destination: cst.BaseExpression) -> cst.BaseExpression:
    return script.with_method(value, f"to({script.code(destination)}.dtype)")
