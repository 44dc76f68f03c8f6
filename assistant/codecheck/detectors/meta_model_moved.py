"""A model built under `with torch.device("meta"):` (or accelerate's `init_empty_weights()`) and then moved
with `.to(...)` / `.cuda()` / `.cpu()` before anything gave its parameters storage (`to_empty`) or
made the checkpoint's tensors its parameters (`load_state_dict(..., assign=True)`): meta tensors have no
values to copy ("Cannot copy out of meta tensor; no data!"). A plain `load_state_dict` copies into the
meta parameters, which does nothing."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._blocks import after
from assistant.codecheck.detectors._training import own_nodes

name = "meta-model-moved"
_MOVES = ("to", "cuda", "cpu")
_EMPTY_CONTEXTS = ("init_empty_weights",)


@needs_calls("device", *_EMPTY_CONTEXTS)
def check(code: Code) -> Iterator[Hit]:
    for block in (n for n in code.nodes_of(ast.With) if _builds_on_meta(code, n)):
        for model in _models_built_in(block):
            move = _first_move_before_storage(code, block, model)
            if move is not None:
                yield Hit.at(code, move, f"{source_of(move)} moves {model}, built on the meta device (line "
                             f"{block.lineno}), whose parameters have no data yet: allocate them first with "
                             f"{model}.to_empty(device=...) and then load the weights, or load them with "
                             f"{model}.load_state_dict(state_dict, assign=True) before moving")


def _builds_on_meta(code: Code, block: ast.With) -> bool:
    """`with torch.device("meta"):` or `with init_empty_weights():`."""
    for item in block.items:
        context = item.context_expr
        if not isinstance(context, ast.Call):
            continue
        called = dotted(context.func) or ""
        if called.rpartition(".")[2] in _EMPTY_CONTEXTS:
            return True
        if code.resolved(context.func) == "torch.device" and context.args and constant(context.args[0]) == "meta":
            return True
    return False


def _models_built_in(block: ast.With) -> list[str]:
    """The names bound to a call (`model = Net()`) directly in the with block."""
    return [dotted(s.targets[0]) for s in block.body  # type: ignore[misc]
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.value, ast.Call)
            and dotted(s.targets[0]) is not None]


def _first_move_before_storage(code: Code, block: ast.With, model: str) -> ast.Call | None:
    """The first `model.to(...)` after the block, in the statements that follow it in the same body,
    unless `to_empty` or an assigning load (or a rebinding of the name) comes first."""
    for statement in after(code, block):
        for node in own_nodes([statement]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and dotted(node.func.value) == model:
                method = node.func.attr
                if method == "to_empty" or (method == "load_state_dict" and _assigns(node)):
                    return None
                if method in _MOVES:
                    return node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and _rebinds(node, model):
                return None
    return None


def _assigns(load: ast.Call) -> bool:
    flag = keyword(load, "assign")
    return flag is not None and not (isinstance(flag, ast.Constant) and flag.value is False) \
        or any(k.arg is None for k in load.keywords)


def _rebinds(statement: ast.Assign | ast.AnnAssign, model: str) -> bool:
    """`model = something` other than `model = model.to(...)` itself (whose move is found first), or
    `model.weight = nn.Parameter(...)`: a parameter set by hand has data."""
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    if any((dotted(t) or "").startswith(f"{model}.") for t in targets):
        return True
    if not any(dotted(t) == model for t in targets):
        return False
    value = statement.value
    return not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and dotted(value.func.value) == model)
