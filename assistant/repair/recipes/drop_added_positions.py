"""A model that adds learned positions to the sequence (a CLS token or prompt tokens concatenated
before it, a summary token after it: `torch.cat([self.cls.expand(B, -1, -1), x], dim=1)`) returns
more positions than its input has, so a per-token mask built from the input (`ids != PAD`) is
shorter than the output it selects from. The entry's fix makes the mask and the tensor pair up:
the positions the model added carry no token and no label, so they are dropped from the output
where the mask selects, `logits[:, 1:][valid]` (`[:, :-k]` for positions added after). Taken
only where the code says so: the indexed tensor is the output of a model call (in the function,
or passed in by the caller), that model's class concatenates along the mismatched axis exactly
one learned parameter (a `self.` attribute built as `nn.Parameter(torch.zeros(1, k, D))`, used
as it is or expanded/repeated) with the sequence, and k is the number of positions the error
says the output has too many.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, passed
from assistant.repair.recipes._edit import Edits, Script, constants, dotted, evaluate, keyword, kind_of, \
    parse_shape, positional

name = "drop-added-positions"
_STRETCHED = ("expand", "repeat", "expand_as")
_FACTORIES = ("zeros", "ones", "randn", "rand", "empty", "full")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.BaseExpression, str] | None:
    """(the indexed output on the failing line, its spelling without the added positions): of the
    tensors the line indexes with a mask (`logits[valid], tags[valid]`), the one a model made."""
    if (extra := _extra_positions(problem)) is None:
        return None
    axis, count = extra
    script, line = problem.script, problem.facts.user_lines[-1]
    reads = [node for node in script.nodes(cst.Subscript) if script.covers(node, line) and len(node.slice) == 1
             and isinstance(node.slice[0].slice, cst.Index) and isinstance(node.slice[0].slice.value, cst.Name)
             and isinstance(node.value, cst.Name)]
    found = [(read.value, side) for read in reads if (side := _side_of(script, read.value, problem, axis, count))]
    if len(found) != 1:
        return None
    output, side = found[0]
    kept = f"{count}:" if side == "before" else f":-{count}"
    return output, f"{script.code(output)}[{':, ' * axis}{kept}]"


def _side_of(script: Script, output: cst.Name, problem: Problem, axis: int, count: int) -> str | None:
    """Where the model that made the output added its positions, if a model did."""
    model = _producing_model(script, output, problem.facts.user_lines)
    return _added_side(script, model, axis, count) if model is not None else None


def apply(problem: Problem, found: tuple[cst.BaseExpression, str]) -> Edits:
    output, trimmed = found
    edits = problem.edits()
    edits.replace(output, cst.parse_expression(trimmed))
    return edits


def _extra_positions(problem: Problem) -> tuple[int, int] | None:
    """(the axis, how many positions the tensor has beyond the mask there), when that is the
    only mismatch of the mask's axes."""
    mask, tensor = (parse_shape(problem.facts.values.get(key)) for key in ("mask_shape", "tensor_shape"))
    index = problem.facts.values.get("index", "")
    if mask is None or tensor is None or not index.isdigit() or len(tensor) < len(mask):
        return None
    axis = int(index)
    if axis >= len(mask) or tensor[axis] <= mask[axis]:
        return None
    others_agree = all(mask[i] == tensor[i] for i in range(len(mask)) if i != axis)
    return (axis, tensor[axis] - mask[axis]) if axis > 0 and others_agree else None


def _producing_model(script: Script, output: cst.Name, lines: tuple[int, ...]) -> cst.ClassDef | None:
    """The class of the model whose call made the output: `logits = model(ids)` in the function,
    or the argument the caller passed for the parameter (followed to its assignment there)."""
    bound = assignment(script, output.value, output)
    made = bound[1] if bound is not None else passed(script, output.value, output, lines)
    if isinstance(made, cst.Name) and (there := assignment(script, made.value, made)) is not None:
        made = there[1]
    if not isinstance(made, cst.Call) or not script.is_model_call(made):
        return None
    built = script.bindings.get(dotted(made.func) or "")
    classes = [node for node in script.nodes(cst.ClassDef) if built is not None and node.name.value == kind_of(built)]
    return classes[0] if len(classes) == 1 else None


def _added_side(script: Script, model: cst.ClassDef, axis: int, count: int) -> str | None:
    """"before" or "after": where the model's forward concatenates its one learned block of
    `count` positions to the sequence along `axis`; None when it does not, or not once."""
    forwards = [item for item in model.body.body if isinstance(item, cst.FunctionDef) and item.name.value == "forward"]
    if len(forwards) != 1:
        return None
    sides = []
    for call in script.nodes(cst.Call):
        if kind_of(call) != "cat" or not script.covers(forwards[0], script.span(call)[0]):
            continue
        parts = positional(call)
        along = keyword(call, "dim") or (parts[1] if len(parts) > 1 else None)
        if not parts or not isinstance(parts[0].value, (cst.List, cst.Tuple)) or along is None \
                or evaluate(along.value, {}) != axis or len(parts[0].value.elements) != 2:
            continue
        learned = [_learned_length(script, element.value, axis) for element in parts[0].value.elements]
        if learned.count(None) == 1 and count in learned:
            sides.append("before" if learned[0] == count else "after")
    return sides[0] if len(sides) == 1 else None


def _learned_length(script: Script, block: cst.BaseExpression, axis: int) -> int | None:
    """How many positions along `axis` a learned parameter block holds: `self.cls`,
    `self.cls.expand(...)`, or a name bound to one of these in the forward."""
    if isinstance(block, cst.Name) and (bound := assignment(script, block.value, block)) is not None:
        block = bound[1]
    if isinstance(block, cst.Call) and isinstance(block.func, cst.Attribute) and block.func.attr.value in _STRETCHED:
        block = block.func.value
    attribute = dotted(block)
    built = script.bindings.get(attribute) if attribute is not None and attribute.startswith("self.") else None
    if built is None or kind_of(built) != "Parameter" or not positional(built):
        return None
    made = positional(built)[0].value
    while isinstance(made, cst.BinaryOperation):  # torch.randn(1, 1, D) * 0.02
        made = made.left
    if not isinstance(made, cst.Call) or kind_of(made) not in _FACTORIES:
        return None
    sizes = positional(made)
    if len(sizes) == 1 and isinstance(sizes[0].value, (cst.Tuple, cst.List)):
        sizes = list(sizes[0].value.elements)
    return evaluate(sizes[axis].value, constants(script)) if axis < len(sizes) else None
