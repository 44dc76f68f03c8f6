"""An RNN's hidden state carried from one batch to the next keeps the previous batch's graph
attached. The next backward() walks into that graph, whose buffers the previous backward already
freed. Detaching the carried state at the start of each step (truncated backpropagation through
time) keeps its values and cuts the history; retain_graph=True would only make every step slower
and the graph grow without end.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, has_call, statement

name = "detach-hidden-state"
Carried = list[tuple[cst.Assign, list[str]]]


def match(problem: Problem) -> Carried | None:
    return _carried(problem.script) or None


def apply(problem: Problem, carried: Carried) -> Edits:
    script, edits = problem.script, problem.edits()
    lstm_only = has_call(script.module, ("LSTM", "LSTMCell")) and not has_call(script.module, ("GRU", "RNN", "GRUCell"))
    for assignment, states in carried:
        if (anchor := script.statement_of(assignment)) is not None:
            edits.insert_before(anchor, *_detach(script, states, lstm_only))
    return edits


def _carried(script: Script) -> Carried:
    """State that is both an input and an output of a call and outlives one step: `out, h = rnn(x, h)`
    in a loop, or `out, self.h = self.rnn(x, self.h)` (kept on the module between calls)."""
    found = []
    for node in script.nodes(cst.Assign):
        if not isinstance(node.value, cst.Call):
            continue
        outputs = {script.code(part) for target in node.targets for part in _parts(target.target)}
        # the first argument is the data (`x = layer(x)` carries nothing); the state comes after it
        inputs = [script.code(part) for arg in node.value.args[1:] for part in _parts(arg.value)]
        carried = [code for code in dict.fromkeys(inputs) if code in outputs]
        if states := [code for code in carried if script.in_loop(node) or code.startswith("self.")]:
            found.append((node, states))
    return found


def _parts(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """A target or argument and, for a tuple, its elements: `(h, c)` is carried as h and c too."""
    if isinstance(node, cst.Tuple):
        return [node, *[part for element in node.elements for part in _parts(element.value)]]
    return [node]


def _detach(script: Script, states: list[str], lstm_only: bool) -> list[cst.BaseStatement]:
    """`h = h.detach()`, or for an LSTM's (h, c) held in one name `h = tuple(s.detach() for s in h)`;
    guarded when the state starts as None (the first step builds it)."""
    lines = []
    elements = {part.strip() for state in states if state.startswith("(") for part in state.strip("()").split(",")}
    for state in states:
        if state.startswith("("):
            continue  # its elements are detached one by one
        whole_lstm_state = lstm_only and state not in elements
        detached = f"tuple(s.detach() for s in {state})" if whole_lstm_state else f"{state}.detach()"
        code = f"{state} = {detached}\n"
        if _starts_as_none(script, state):
            code = f"if {state} is not None:\n    {code}"
        lines.append(statement(code))
    return lines


def _starts_as_none(script: Script, state: str) -> bool:
    return any(isinstance(node.value, cst.Name) and node.value.value == "None"
               and any(script.code(target.target) == state for target in node.targets)
               for node in script.nodes(cst.Assign))
