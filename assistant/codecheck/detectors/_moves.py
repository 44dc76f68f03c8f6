"""Where the code moves or converts a model (`model.to(device)`, `.cuda()`, `.double()`): which
calls do, and whether the model moved holds a module class of the file. Shared by the detectors of
tensors and layers that such a move leaves behind."""

from __future__ import annotations

import ast

from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, kind_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._torch_names import WEIGHTED_LAYERS, layer_call

DEVICE_MOVES = ("to", "cuda")
CONVERSIONS = ("double", "half", "bfloat16")
CONVOLUTIONS = ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
DTYPE_NAMES = ("torch.float16", "torch.half", "torch.float32", "torch.float", "torch.float64", "torch.double",
               "torch.bfloat16")


def moves_to_device(code: Code, call: ast.Call) -> bool:
    """`x.cuda()`, `x.to(device)`, `x.to("cuda")`: not `.to("cpu")`, nor a dtype-only `.to(torch.float16)`."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in DEVICE_MOVES:
        return False
    if call.func.attr == "cuda":
        return True
    target = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "device"), None)
    if target is None or dotted(target) in DTYPE_NAMES:
        return False
    return not _is_cpu(code, target)


def _is_cpu(code: Code, target: ast.expr) -> bool:
    value = code.reaching_value(target) if isinstance(target, ast.Name) else target
    if isinstance(value, ast.Call) and dotted(value.func) in ("torch.device", "device") and value.args:
        value = value.args[0]
    return isinstance(constant(value), str) and str(constant(value)).startswith("cpu")


def converts(code: Code, call: ast.Call) -> bool:
    """A device move, or a dtype conversion of the whole model (`.double()`, `.half()`, `.to(torch.float64)`)."""
    if not isinstance(call.func, ast.Attribute):
        return False
    if call.func.attr in CONVERSIONS and not call.args:
        return True
    return moves_to_device(code, call) or (call.func.attr == "to" and any(dotted(a) in DTYPE_NAMES for a in call.args))


def moving_call(code: Code, class_name: str, classes: dict[str, ast.ClassDef], *, device_only: bool) -> ast.Call | None:
    """The first move (or, unless device_only, conversion) of a model that is or holds a `class_name`."""
    for call, built in _moved_models(code, device_only):
        if holds(built, class_name, classes, depth=0):
            return call
    return None


def _moved_models(code: Code, device_only: bool) -> list[tuple[ast.Call, ast.Call]]:
    """Each move (or conversion) of the file with the construction of what it moves, once per file."""
    key = ("moved models", device_only)
    if key not in code.memo:
        found = []
        for call in code.calls_of(*DEVICE_MOVES, *(() if device_only else CONVERSIONS)):
            if not (moves_to_device(code, call) if device_only else converts(code, call)):
                continue
            receiver = call.func.value  # type: ignore[attr-defined]
            built = receiver if isinstance(receiver, ast.Call) else layer_call(code, receiver)
            if isinstance(built, ast.Call):
                found.append((call, built))
        code.memo[key] = found
    return code.memo[key]  # type: ignore[return-value]


def holds(built: ast.Call, class_name: str, classes: dict[str, ast.ClassDef], depth: int) -> bool:
    """Whether the model `built` makes is, or contains, a `class_name` (in an nn.Sequential display or
    built by the __init__ of another module class of the file)."""
    if depth > 3:
        return False
    for node in ast.walk(built):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == class_name:
                return True
            outer = classes.get(node.func.id)
            if outer is not None and any(holds(inner, class_name, classes, depth + 1) for inner in ast.walk(outer)
                                         if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                                         and inner.func.id != node.func.id):
                return True
    return False


def spelled(call: ast.Call) -> str:
    """`model.double()` or `nn.Sequential(...).double()`: the move, its receiver kept short."""
    receiver = call.func.value  # type: ignore[attr-defined]
    short = dotted(receiver) or (f"{ast.unparse(receiver.func)}(...)" if isinstance(receiver, ast.Call) else "...")
    arguments = ", ".join([*(ast.unparse(a) for a in call.args), *(ast.unparse(k) for k in call.keywords)])
    return f"{short}.{call.func.attr}({arguments})"  # type: ignore[attr-defined]


def layers_set_after_move(code: Code) -> list[tuple[ast.Assign, ast.Call]]:
    """`model.stem = nn.Conv2d(...)` (a layer made without device=) below a move of `model` to a
    device in the same block, with no move of `model` or of the new layer after it and `model` run
    after it: the new layer stays on the CPU. Each with the move it follows."""
    if "layers set after move" not in code.memo:
        code.memo["layers set after move"] = [found for body, start in _blocks_with_moves(code)
                                              for found in _set_after_move(code, body, start)]
    return code.memo["layers set after move"]  # type: ignore[return-value]


def _blocks_with_moves(code: Code) -> list[tuple[list[ast.stmt], int]]:
    """Each block (module or function body) with a model move as one of its statements, and the
    position of its first such move: only what follows a move needs looking at."""
    first: dict[int, tuple[list[ast.stmt], int]] = {}
    for call in code.calls_of(*DEVICE_MOVES):
        statement = code.parents.get(call)
        block = code.parents.get(statement) if statement is not None else None
        body = getattr(block, "body", None) if isinstance(block, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)) else None
        if body is None or _model_move(code, statement) is None:  # type: ignore[arg-type]
            continue
        index = body.index(statement)
        if id(body) not in first or index < first[id(body)][1]:
            first[id(body)] = (body, index)
    return list(first.values())


def _set_after_move(code: Code, body: list[ast.stmt], start: int) -> list[tuple[ast.Assign, ast.Call]]:
    found = []
    moves: dict[str, ast.Call] = {}
    for index, statement in enumerate(body[start:], start):
        if (move := _model_move(code, statement)) is not None:
            moves[move[0]] = move[1]
            continue
        for rebound in {n.id for n in code.descendants(statement, ast.Name) if isinstance(n.ctx, ast.Store)}:
            moves.pop(rebound, None)  # a new model under the old name: not known to be moved
        replaced = _layer_replacement(statement)
        if replaced is None or replaced[0] not in moves:
            continue
        model, attribute = replaced
        later = body[index + 1:]
        if not _moved_later(code, later, model, attribute) and _runs(later, model):
            found.append((statement, moves[model]))
    return found


def _model_move(code: Code, statement: ast.stmt) -> tuple[str, ast.Call] | None:
    """(`model`, the call) for `model.to(device)` / `model.cuda()` or `model = X.to(device)`."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        if moves_to_device(code, call) and isinstance(call.func.value, ast.Name):  # type: ignore[attr-defined]
            return call.func.value.id, call  # type: ignore[attr-defined]
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) \
            and isinstance(statement.value, ast.Call) and moves_to_device(code, statement.value):
        return statement.targets[0].id, statement.value
    return None


def _layer_replacement(statement: ast.stmt) -> tuple[str, str] | None:
    """(`model`, `stem`) for `model.stem = nn.Conv2d(...)` built without a device."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return None
    target = statement.targets[0]
    value = statement.value
    if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and isinstance(value, ast.Call)):
        return None
    base, _, kind = (dotted(value.func) or "").rpartition(".")
    if base not in ("nn", "torch.nn") or not kind[:1].isupper() or any(k.arg in ("device", None) for k in value.keywords):
        return None
    return target.value.id, target.attr


def _moved_later(code: Code, later: list[ast.stmt], model: str, attribute: str) -> bool:
    for statement in later:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DEVICE_MOVES \
                    and dotted(node.func.value) in (model, f"{model}.{attribute}"):
                return True
    return False


def _runs(later: list[ast.stmt], model: str) -> bool:
    return any(isinstance(node, ast.Call) and dotted(node.func) == model for s in later for node in ast.walk(s))


def set_after_move_hits(code: Code, *, convolutions: bool) -> Iterator[Hit]:
    """The hits for layers set after a move: the convolutions, or the other layers with weights."""
    for assignment, move in layers_set_after_move(code):
        kind = kind_of(assignment.value)
        if (kind in CONVOLUTIONS) != convolutions or kind not in (*WEIGHTED_LAYERS, *CONVOLUTIONS):
            continue
        target = dotted(assignment.targets[0]) or ""
        what = "convolution" if convolutions else "layer"
        yield Hit.at(code, assignment, f"{target} = {ast.unparse(assignment.value.func)}(...) comes after "
                     f"{spelled(move)} (line {move.lineno}): the new {what}'s weights stay on the CPU; replace "
                     "layers first, then move the model (or build it with device=...)", {"layer": target})
