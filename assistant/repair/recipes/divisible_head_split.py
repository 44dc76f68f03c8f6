"""A hand-written multi-head attention splits its width into heads with
`q.view(B, T, self.n_heads, self.head_dim)` and `self.head_dim = d_model // n_heads`: when the
head count does not divide the width, the floor division drops the remainder, n_heads * head_dim
is smaller than the width, and the view fails (`shape '[4, 12, 8, 12]' is invalid for input of
size 4800`). It is nn.MultiheadAttention's divisibility rule written by hand, and gets the same
fix as recipe divisible-heads: the largest head count not above the requested one that divides the
width (100 features and 8 heads become 5 heads of 20), so the width and every layer built from it
stay as designed. The count is written where the code sets it (a config dict, a constant, a
default), which is followed from the division through parameters and config lookups.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, positional
from assistant.repair.recipes._values import definitions, integer, settings

name = "divisible-head-split"
_RESHAPES = ("view", "reshape")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Integer, int] | None:
    """(the literal that sets the head count, the count to write) for a view on the failing line
    that splits the width into heads whose size is a floor division that leaves a remainder."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in _RESHAPES:
                if (found := _uneven_split(script, [arg.value for arg in positional(call)])) is not None:
                    return found
    return None


def apply(problem: Problem, found: tuple[cst.Integer, int]) -> Edits:
    literal, heads = found
    edits = problem.edits()
    edits.replace(literal, cst.Integer(str(heads)))
    return edits


def _uneven_split(script: Script, sizes: list[cst.BaseExpression]) -> tuple[cst.Integer, int] | None:
    """A size `width // heads` (through its definition) right after a size holding `heads`."""
    for before, size in zip(sizes, sizes[1:]):
        for division in definitions(script, size):
            if not (isinstance(division, cst.BinaryOperation) and isinstance(division.operator, cst.FloorDivide)):
                continue
            width, heads = integer(script, division.left), integer(script, division.right)
            if not width or not heads or width % heads == 0 or integer(script, before) != heads:
                continue
            literals = {id(value): value for value in settings(script, division.right)}
            if len(literals) == 1 and isinstance(literal := next(iter(literals.values())), cst.Integer):
                return literal, max(h for h in range(1, heads + 1) if width % h == 0)
    return None
