"""Sequences of different lengths, each given a batch axis (`ids.unsqueeze(0)`, `ids[None]`) and
concatenated into a batch with `torch.cat(seqs, dim=0)`, are not one rectangle: the sizes after the
batch axis disagree. The batch the code builds is the padded one, so the sequences are padded to
the longest before they are joined, `pad_sequence([s.squeeze(0) for s in seqs], batch_first=True,
padding_value=...)`, the value being the Embedding's `padding_idx` when the code sets one, else 0
(as for ragged rows). Taken only where every joined tensor is known to be one sequence with an
added axis of size 1: a cat of mini-batches that differ in length needs them padded at their own
axis, which this is not.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as matchers

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, keyword, positional
from assistant.repair.recipes.pad_ragged_rows import _padding_value

name = "pad-before-cat"
_CATS = ("torch.cat", "torch.concat", "torch.concatenate")
_PAD = "torch.nn.utils.rnn.pad_sequence"


@needs_calls("cat", "concat", "concatenate")
@needs_failing_line
def match(problem: Problem) -> cst.Call | None:
    """The batch-axis cat on the failing line whose tensors are single sequences given that axis."""
    if problem.facts.values.get("dim", "").strip() != "0":
        return None
    script = problem.script
    cats = [call for call in script.calls_on(problem.facts.user_lines[-1]) if dotted(call.func) in _CATS
            and positional(call) and _dim(script, call) == "0"]
    if len(cats) != 1:
        return None
    joined = positional(cats[0])[0].value
    return cats[0] if _unsqueezed_items(script, joined) else None


def apply(problem: Problem, cat: cst.Call) -> Edits:
    script = problem.script
    joined = script.code(positional(cat)[0].value)
    edits = problem.edits()
    edits.replace(cat, expr(f"{_PAD}([t.squeeze(0) for t in {joined}], batch_first=True, "
                            f"padding_value={_padding_value(script)})"))
    return edits


def _dim(script: Script, call: cst.Call) -> str:
    given = keyword(call, "dim") or (positional(call)[1] if len(positional(call)) > 1 else None)
    return script.code(given.value) if given is not None else "0"


def _unsqueezed_items(script: Script, joined: cst.BaseExpression) -> bool:
    """Every item of the list is `x.unsqueeze(0)` or `x[None]`: a comprehension, written here or
    assigned to the name, or a list the code appends such items to (and nothing else)."""
    if isinstance(joined, cst.ListComp):
        return _with_leading_axis(script, joined.elt)
    name = dotted(joined)
    if name is None:
        return False
    assigned = [node.value for node in script.nodes(cst.Assign)
                if any(dotted(target.target) == name for target in node.targets)]
    if len(assigned) != 1:
        return False
    if isinstance(assigned[0], cst.ListComp):
        return _with_leading_axis(script, assigned[0].elt)
    if not (isinstance(assigned[0], cst.List) and not assigned[0].elements):
        return False
    appended = [call for call in script.calls() if isinstance(call.func, cst.Attribute)
                and dotted(call.func.value) == name and call.func.attr.value in ("append", "extend", "insert")]
    return bool(appended) and all(call.func.attr.value == "append" and len(call.args) == 1
                                  and _with_leading_axis(script, call.args[0].value) for call in appended)


def _with_leading_axis(script: Script, item: cst.BaseExpression) -> bool:
    if matchers.matches(item, matchers.Call(func=matchers.Attribute(attr=matchers.Name("unsqueeze")),
                                            args=[matchers.Arg(value=matchers.Integer("0"))])):
        return True
    return isinstance(item, cst.Subscript) and bool(item.slice) and script.code(item.slice[0]).rstrip(",") == "None"
