"""A recurrent module whose `forward(self, x, hidden)` requires its starting state fails when the
first call has none to give (`model(x)` at the start of a sequence). PyTorch's RNN, GRU and LSTM
already take `None` for "start from zeros", so when the missing arguments are only handed on as
that state, giving them the default `None` is the documented fix: the first call starts from
zeros, later calls pass the state they got back, exactly as the RNN layer itself behaves. A call
whose caller already carries a state for it (see _carried_state) is left to pass-carried-state:
a None default there would restart the sequence at every step.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._carried_state import carried_state
from assistant.repair.recipes._edit import Edits, Script, callee, keyword, kind_of, positional

name = "optional-rnn-state"
_RECURRENT = ("RNN", "GRU", "LSTM")


@needs_failing_line
def match(problem: Problem) -> list[cst.Param] | None:
    """The required `forward` parameters the failing call left out, when each is only the state
    of a recurrent layer and they are the last ones."""
    if "n" not in problem.facts.values:  # the unexpected-keyword message: nothing to default
        return None
    script, named_class = problem.script, _class_in_message(problem)
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            if (forward := _forward_of(script, call, named_class)) is not None \
                    and (missing := _missing(script, call, forward)) and _named_by_message(problem, missing) \
                    and not any(carried_state(script, call, forward, param.name.value) for param in missing):
                return missing
    return None


def _named_by_message(problem: Problem, missing: list[cst.Param]) -> bool:
    """The message names the one argument it misses (`...: 'state'`): the parameter to default
    must be that one, or the call the recipe found is not the one that failed. The plural message
    (`arguments: 'h' and 'c'`) names no single one."""
    named = problem.facts.values.get("argument")
    return named is None or [param.name.value for param in missing] == [named]


def apply(problem: Problem, params: list[cst.Param]) -> Edits:
    edits = problem.edits()
    for param in params:
        edits.replace(param, param.with_changes(default=cst.Name("None"), equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))))
    return edits


def _class_in_message(problem: Problem) -> str | None:
    """The class Python names in front of `forward()` (`Tagger.forward() missing ...`): the module
    that was called, when the code hands it on (`self.net = net`, a function's parameter) so that
    the called name was never bound to a constructor here."""
    found = re.search(r"(\w+)\.forward\(\)", problem.facts.message)
    return found.group(1) if found else None


def _forward_of(script: Script, call: cst.Call, named: str | None) -> cst.FunctionDef | None:
    """The `forward` of the module class (defined here) the called name was built from, or else
    of the class the message names."""
    built = script.bindings.get(callee(call) or "")
    kind = kind_of(built) if built is not None else named
    if kind is None:
        return None
    for node in script.nodes(cst.ClassDef):
        if node.name.value == kind:
            return next((item for item in node.body.body if isinstance(item, cst.FunctionDef)
                         and item.name.value == "forward"), None)
    return None


def _missing(script: Script, call: cst.Call, forward: cst.FunctionDef) -> list[cst.Param]:
    params = list(forward.params.params)[1:]  # without self
    given = len(positional(call))
    left_out = [param for param in params[given:] if param.default is None and keyword(call, param.name.value) is None]
    trailing = params[len(params) - len(left_out):]
    if not left_out or left_out != trailing:
        return []
    return left_out if all(_only_recurrent_state(script, forward, param.name.value) for param in left_out) else []


def _only_recurrent_state(script: Script, forward: cst.FunctionDef, param: str) -> bool:
    """Every read of the parameter before forward first rebinds it is the state argument of an
    RNN/GRU/LSTM call (`out, hidden = self.rnn(x, hidden)` reads it, then rebinds it)."""
    names = [node for node in script.nodes(cst.Name) if node.value == param and forward.body in script.ancestors(node)]
    bound = [script.span(node)[0] for node in names if _is_target(script, node)]
    reads = [node for node in names if not _is_target(script, node) and (not bound or script.span(node)[0] <= bound[0])]
    states = [_state_argument(script, call) for call in script.calls() if forward in script.ancestors(call)]
    return bool(reads) and all(any(read is state for state in states) for read in reads)


def _state_argument(script: Script, call: cst.Call) -> cst.BaseExpression | None:
    built = script.bindings.get(callee(call) or "")
    if built is None or kind_of(built) not in _RECURRENT:
        return None
    args = positional(call)
    if len(args) > 1:
        return args[1].value
    given = keyword(call, "hx")
    return given.value if given is not None else None


def _is_target(script: Script, node: cst.Name) -> bool:
    return any(isinstance(a, cst.AssignTarget) for a in script.ancestors(node))
