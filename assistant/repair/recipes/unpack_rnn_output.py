"""An LSTM, GRU or RNN returns `(output, h_n)` (an LSTM's `h_n` is itself `(h_n, c_n)`), and code
that keeps the whole tuple under one name fails where it uses it as a tensor. In a custom
forward the code after the call has already chosen what it reads (`out[:, -1]`, `self.fc(out)`),
so the entry's fix is only to unpack: `out, _ = self.lstm(x)` where the name was bound, or
`self.lstm(x)[0]` when the call sits inside the failing expression.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, callee, expr

name = "unpack-rnn-output"
RNNS = ("LSTM", "GRU", "RNN")


@needs_failing_line
@needs_calls(*RNNS)
def match(problem: Problem) -> list[tuple[cst.CSTNode, cst.BaseExpression]] | None:
    """(node, replacement) pairs: the tuple's name where it was bound, or the nested RNN call."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        nested = [call for call in script.calls_on(line) if _is_rnn_call(script, call) and _used_directly(script, call)]
        if nested:
            return [(call, expr(f"{script.code(call)}[0]")) for call in nested]
        if bound := _tuple_bindings(script, line):
            return bound
    return None


def apply(problem: Problem, rewrites: list[tuple[cst.CSTNode, cst.BaseExpression]]) -> Edits:
    edits = problem.edits()
    for node, new in rewrites:
        edits.replace(node, new)
    return edits


def _is_rnn_call(script: Script, call: cst.BaseExpression) -> bool:
    """The value is a call of an RNN built in this file (a name may hold a subscript or a number)."""
    name = callee(call) if isinstance(call, cst.Call) else None
    return name is not None and script.built_from(name, RNNS) is not None


def _used_directly(script: Script, call: cst.Call) -> bool:
    """Whether the RNN's result is used as a tensor right away: an argument of another call, or
    the object of an attribute such as `.size`."""
    parent = script.parents.get(call)
    return isinstance(parent, cst.Arg) or (isinstance(parent, cst.Attribute) and parent.value is call)


def _tuple_bindings(script: Script, line: int) -> list[tuple[cst.CSTNode, cst.BaseExpression]]:
    """`out = self.lstm(x)` for each name the failing line reads that holds a whole RNN result."""
    found: list[tuple[cst.CSTNode, cst.BaseExpression]] = []
    names = [node for node in script.nodes(cst.Name) if script.covers(node, line) and _is_read(script, node)]
    for node in names:
        bound = assignment(script, node.value, node)
        if bound is None or not isinstance(bound[0], cst.Assign) or not _is_rnn_call(script, bound[1]):
            continue
        target = bound[0].targets[0].target if len(bound[0].targets) == 1 else None
        if isinstance(target, cst.Name) and all(old is not target for old, _ in found):
            found.append((target, expr(f"{target.value}, _")))
    return found


def _is_read(script: Script, node: cst.Name) -> bool:
    """A name used as a value, not an attribute's name or a keyword's."""
    parent = script.parents.get(node)
    return not (isinstance(parent, cst.Attribute) and parent.attr is node) and not (
        isinstance(parent, cst.Arg) and parent.keyword is node)
