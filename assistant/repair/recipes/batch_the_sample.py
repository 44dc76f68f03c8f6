"""Linear layers, convs and RNNs accept a single unbatched sample and return an unbatched output,
so inference on one sample fails only later, at `softmax(dim=1)` or `argmax(dim=1)`, with a dim
one past the output's last axis. Giving the sample its batch axis where it enters the model
(`model(x.unsqueeze(0))`) keeps the batched code after it right, which is the entry's fix; a dim
more than one past the rank is another mistake and gets no patch. When the failing line is inside a
module's own method (`out.chunk(2, dim=1)` in forward), the layer call there also runs for every
batch, so the batch axis goes where an outer frame calls the model on the sample instead. A model
output unpacked from a tuple (`_, (h, c) = rnn(seq)`) is followed back like a plain assignment.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as matchers

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, positional

name = "batch-the-sample"


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The model call whose unbatched output the failing line reduces: on that line, or the call
    a name used there was assigned from."""
    if not _one_axis_short(problem.facts):
        return None
    script, lines = problem.script, problem.facts.user_lines
    calls = script.model_calls(lines[-1:]) or _producers(script, lines[-1])
    if calls and _in_module_method(script, calls[0]):
        calls = script.model_calls(lines[:-1]) or []
    return calls[0] if calls else None


def apply(problem: Problem, call: cst.Call) -> Edits:
    edits = problem.edits()
    edits.wrap_argument(call, "unsqueeze(0)")
    return edits


def _one_axis_short(facts: Facts) -> bool:
    """From the dim-out-of-range entry's values: the dim asked for is exactly the rank."""
    try:
        return int(facts.values["dim"]) == int(facts.values["high"]) + 1
    except (KeyError, ValueError):
        return False


def _producers(script: Script, line: int) -> list[cst.Call]:
    """Model calls that names on the line were assigned from (`logits = model(sample)`, also
    `out, (h, c) = lstm(seq)`)."""
    names = [node.value for node in script.nodes(cst.Name) if script.covers(node, line)]
    produced = [script.bindings.get(name) or _unpacked_from(script, name, line) for name in dict.fromkeys(names)]
    return [call for call in produced if call is not None and script.is_model_call(call) and positional(call)]


def _unpacked_from(script: Script, name: str, line: int) -> cst.Call | None:
    """The call whose result the last tuple assignment before the line unpacks into `name`."""
    found = None
    for node in script.nodes(cst.Assign):
        if isinstance(node.value, cst.Call) and script.span(node)[1] < line and any(
                isinstance(target.target, (cst.Tuple, cst.List))
                and any(named.value == name for named in matchers.findall(target.target, matchers.Name()))
                for target in node.targets):
            found = node.value
    return found


def _in_module_method(script: Script, call: cst.Call) -> bool:
    """The call sits in a method of a class (a model's forward), not in a script or helper."""
    function = script.function_of(call)
    return function is not None and any(isinstance(node, cst.ClassDef) for node in script.ancestors(function))
