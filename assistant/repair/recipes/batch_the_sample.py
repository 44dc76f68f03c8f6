"""Linear layers, convs and RNNs accept a single unbatched sample and return an unbatched output,
so inference on one sample fails only later, at `softmax(dim=1)` or `argmax(dim=1)`, with a dim
one past the output's last axis. Giving the sample its batch axis where it enters the model
(`model(x.unsqueeze(0))`) keeps the batched code after it right, which is the entry's fix; a dim
more than one past the rank is another mistake and gets no patch.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, positional

name = "batch-the-sample"


@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The model call whose unbatched output the failing line reduces: on that line, or the call
    a name used there was assigned from."""
    if not _one_axis_short(problem.facts):
        return None
    script = problem.script
    calls = script.model_calls(problem.facts.user_lines[-1:]) or _producers(script, problem.facts.user_lines[-1])
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
    """Model calls that names on the line were assigned from (`logits = model(sample)`)."""
    names = [node.value for node in script.nodes(cst.Name) if script.covers(node, line)]
    produced = [script.bindings.get(name) for name in dict.fromkeys(names)]
    return [call for call in produced if call is not None and script.is_model_call(call) and positional(call)]
