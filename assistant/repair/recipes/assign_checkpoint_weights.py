"""A model built on the meta device has parameters with shapes and no storage. `load_state_dict`
copies the checkpoint into those parameters, which for meta tensors copies nothing, so the model
is still empty when `.to(device)` or `.item()` needs its values. `load_state_dict(sd, assign=True)`
makes the checkpoint's tensors the parameters instead of copying into them: the fix the entry
names when the code does load a checkpoint (without one, there are no values to give).

Which models are empty: those built under `with torch.device("meta")` (or accelerate's
`init_empty_weights()`), with `device="meta"`, moved with `.to("meta")`, returned by a helper
that builds them so, and, for "Cannot copy out of meta tensor", the module the failing line moves
(the error itself says it is meta). A load into one of its submodules counts as a load into it.
When the model is moved first and the checkpoint loaded after, the move becomes
`to_empty(device=...)`, the entry's other fix: storage on the device, which the strict load then
fills. A load that may leave parameters out (`strict=False`) or buffers the checkpoint lacks
(`persistent=False`) would leave uninitialised memory behind, so then nothing is changed.

A load that already assigns with `strict=False` (a checkpoint of the backbone only, the head
trained from scratch) leaves the layers it lacks on meta. Right after that load, each submodule
whose own parameters and buffers are all still meta gets storage (`to_empty(recurse=False)`) and
its own `reset_parameters()`, the initialisation an eager build gives it; a module that holds
some loaded tensors is left as it is, so a half-loaded layer still fails.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import MAX_DEPTH
from assistant.repair.recipes._edit import (Edits, Script, calls_in, dotted, free_name, keyword, kind_of, statement,
                                            with_keyword)
from assistant.repair.recipes._meta import built_on_meta, into
from assistant.repair.recipes._state_dicts import is_load_state_dict
from assistant.repair.recipes._values import called_as

name = "assign-checkpoint-weights"
_MOVES = ("to", "cuda", "cpu")


def match(problem: Problem) -> tuple[str, list[cst.Call]] | None:
    """("assign", the loads into empty models that ran before the failure and copied rather than
    assigned), else ("to_empty", the failing move of a model whose checkpoint is loaded after it)."""
    script, lines = problem.script, problem.facts.user_lines
    moved = _moved_on_failing_lines(script, lines)
    empty = built_on_meta(script) | {name for move in moved if (name := dotted(move.func.value))}
    ran_first = {call for move in moved for call in calls_in(move.func.value)}  # `Net.load(f).to(d)`
    loads = [call for call in script.calls() if is_load_state_dict(call) and keyword(call, "assign") is None
             and into(dotted(call.func.value), empty)
             and (not lines or _before_failure(script, call, lines, ran_first))]
    if loads:
        return "assign", loads
    late = [move for move in moved if _movable_to_empty(move) and _filled_after(script, move)]
    if late:
        return "to_empty", late[:1]
    partial = [call for call in script.calls() if is_load_state_dict(call) and _is_true(keyword(call, "assign"))
               and not _strict(call) and into(dotted(call.func.value), empty)
               and (not lines or _before_failure(script, call, lines, ran_first))]
    return ("fill", partial) if partial else None


def apply(problem: Problem, found: tuple[str, list[cst.Call]]) -> Edits:
    how, calls = found
    edits = problem.edits()
    if how == "fill":
        script = problem.script
        part, own, tensor = free_name(script, "submodule"), free_name(script, "own"), free_name(script, "tensor")
        for call in calls:
            module = dotted(call.func.value)
            edits.insert_after(script.statement_of(call), statement(
                f"for {part} in {module}.modules():  # the layers the checkpoint did not hold are still empty\n"
                f"    {own} = [*{part}.parameters(recurse=False), *{part}.buffers(recurse=False)]\n"
                f"    if {own} and all({tensor}.is_meta for {tensor} in {own}):\n"
                f"        {part}.to_empty(device=\"cpu\", recurse=False)\n"
                f"        {part}.reset_parameters()\n"))
        return edits
    for call in calls:
        edits.replace(call, with_keyword(call, "assign", "True") if how == "assign" else _to_empty(call))
    return edits


def _moved_on_failing_lines(script: Script, lines: tuple[int, ...]) -> list[cst.Call]:
    """`model.to(device)`, `self.net.cuda()`, `m.cpu()` on the traceback's lines, innermost first."""
    found = []
    for line in reversed(lines):
        found += [call for call in script.calls_on(line) if isinstance(call.func, cst.Attribute)
                  and call.func.attr.value in _MOVES and call not in found]
    return found


def _before_failure(script: Script, node: cst.CSTNode, lines: tuple[int, ...], ran_first: set[cst.Call],
                    depth: int = 0) -> bool:
    """The node ran before the failing lines: it ends before one of them in the same function,
    or its function is called before one of them (or by the call whose result the failing line
    moves)."""
    scope = script.function_of(node)
    if node in ran_first or any(frame_scope is scope and script.span(node)[1] < line
                                for frame_scope, line in _frames(script, lines)):
        return True
    if scope is None or depth >= MAX_DEPTH or (called := called_as(script, scope)) is None:
        return False
    return any(kind_of(call) == called and not script.covers(scope, script.span(call)[0])
               and _before_failure(script, call, lines, ran_first, depth + 1) for call in script.calls())


def _frames(script: Script, lines: tuple[int, ...]) -> list[tuple[cst.FunctionDef | None, int]]:
    """(the function holding it, or None at module level; the line) for each traceback line with a call."""
    return [(script.function_of(calls[0]), line) for line in lines if (calls := script.calls_on(line))]


def _movable_to_empty(move: cst.Call) -> bool:
    """A plain device move: `.to(device)`, `.to(device=d)`, `.cuda()`, `.cpu()`."""
    method = move.func.attr.value
    if method == "to":
        return len(move.args) == 1 and (move.args[0].keyword is None or move.args[0].keyword.value == "device")
    return not move.args


def _filled_after(script: Script, move: cst.Call) -> bool:
    """A strict load into the moved model itself follows the move in the same function, and no
    module of the script keeps buffers out of its state_dict."""
    moved, scope, line = dotted(move.func.value), script.function_of(move), script.span(move)[1]
    if moved is None:
        return False
    strict = [call for call in script.calls() if is_load_state_dict(call) and dotted(call.func.value) == moved
              and script.function_of(call) is scope and script.span(call)[0] > line and _strict(call)]
    return bool(strict) and not any(_is_false(arg.value) for call in script.calls()
                                    if (arg := keyword(call, "persistent")) is not None)


def _strict(load: cst.Call) -> bool:
    given = keyword(load, "strict")
    return given is None or (isinstance(given.value, cst.Name) and given.value.value == "True")


def _is_true(arg: cst.Arg | None) -> bool:
    return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "True"


def _is_false(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"


def _to_empty(move: cst.Call) -> cst.Call:
    """`model.to(d)` -> `model.to_empty(device=d)`; `.cuda()` / `.cpu()` name their device."""
    method = move.func.attr.value
    device = cst.Module([]).code_for_node(move.args[0].value) if move.args else f'"{method}"'
    empty = move.with_changes(func=move.func.with_changes(attr=cst.Name("to_empty")), args=[])
    return with_keyword(empty, "device", device)
