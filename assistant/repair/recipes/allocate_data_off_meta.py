"""`with torch.device("meta"):` makes every tensor factory inside it build shapes without storage,
which is what the block is for when it builds a module that a checkpoint then fills (`load_state_dict
(..., assign=True)`). A plain data tensor created in the same block (`preds = torch.empty(n)`, a
buffer the script fills with results) comes out on meta as well: writing into it is silently a
no-op and its first `.numpy()` fails with `can't convert meta device type tensor to numpy`. No
`.cpu()` can help, there is nothing to copy; the entry's fix is that the tensor be created with real
storage. The recipe moves the statement that creates it out of the block, right after it, so that
it is built on the default device as the author meant; the module builds stay on meta.

Only a statement that assigns a torch tensor factory (not a module, not a name the block goes on
to use) is moved, and only when the block keeps other statements.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, kind_of, positional
from assistant.repair.recipes._meta import is_meta_context

name = "allocate-data-off-meta"
_FACTORIES = ("empty", "zeros", "ones", "full", "tensor", "arange", "linspace", "rand", "randn", "randint",
              "empty_like", "zeros_like", "ones_like", "full_like", "eye", "as_tensor")
_TO_HOST = ("cpu", "detach", "numpy", "clone", "contiguous")
_NUMPY_FUNCTIONS = ("np.array", "np.asarray", "numpy.array", "numpy.asarray")
Move = tuple[cst.SimpleStatementLine, cst.With]


@needs_failing_line
def match(problem: Problem) -> list[Move] | None:
    """(the statement creating the converted tensor, its meta `with` block) for the tensors the
    failing line turns into NumPy arrays."""
    if problem.facts.values.get("device", "meta") != "meta":
        return None
    script = problem.script
    moves: dict[int, Move] = {}
    for call in script.calls_on(problem.facts.user_lines[-1]):
        tensor = _converted(call)
        if (name := dotted(tensor) if tensor is not None else None) and (move := _made_on_meta(script, name, tensor)):
            moves[id(move[0])] = move
    return list(moves.values()) or None


def apply(problem: Problem, moves: list[Move]) -> Edits:
    """Each block without the moved lines, and those lines right after it, in their order."""
    edits = problem.edits()
    for block in dict.fromkeys(block for _, block in moves):
        moved = [line for line, owner in moves if owner is block]
        kept = [statement for statement in block.body.body if statement not in moved]
        edits.replace(block, block.with_changes(body=block.body.with_changes(body=kept)))
        edits.insert_after(block, *(line.with_changes(leading_lines=()) for line in moved))
    return edits


def _converted(call: cst.Call) -> cst.BaseExpression | None:
    """The tensor `t.numpy()` / `t.cpu().numpy()` / `np.asarray(t)` converts."""
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "numpy" and not call.args:
        tensor = call.func.value
    elif callee(call) in _NUMPY_FUNCTIONS and positional(call):
        tensor = positional(call)[0].value
    else:
        return None
    while isinstance(tensor, cst.Call) and isinstance(tensor.func, cst.Attribute) and tensor.func.attr.value in _TO_HOST:
        tensor = tensor.func.value
    return tensor


def _made_on_meta(script: Script, name: str, user: cst.CSTNode) -> Move | None:
    """The one-statement line `name = torch.<factory>(...)` directly in a meta `with` block's
    body, when the block has other statements and none after it reads the name."""
    bound = assignment(script, name, user)
    if bound is None or not isinstance(bound[1], cst.Call) or not _is_factory(bound[1]):
        return None
    line = script.parents.get(bound[0])
    block = script.parents.get(script.parents.get(line)) if line is not None else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(block, cst.With):
        return None
    if not any(is_meta_context(item.item) for item in block.items):
        return None
    body = list(block.body.body)
    later = body[body.index(line) + 1:]
    if len(body) < 2 or any(_reads(statement, name) for statement in later):
        return None
    return line, block


def _is_factory(call: cst.Call) -> bool:
    name = callee(call) or ""
    return name.startswith("torch.") and not name.startswith("torch.nn.") and kind_of(call) in _FACTORIES


def _reads(statement: cst.CSTNode, name: str) -> bool:
    return any(dotted(node) == name for node in m.findall(statement, m.Name() | m.Attribute()))
