"""The output of a layer run under torch.autocast (float16 / bfloat16) kept and fed, after the autocast
block, to a float32 layer: outside autocast nothing casts it back, "mat1 and mat2 must have the same
dtype, but got BFloat16 and Float". Cast it with .float() or run that layer under autocast too."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._signatures import built_module
from assistant.codecheck.detectors._torch_names import LAYERS, layer_call, module_classes
from assistant.codecheck.detectors._unpacked import is_parameter

name = "autocast-output-outside-autocast"
LOW_PRECISION_OUT = ("Linear", "Conv1d", "Conv2d", "Conv3d", "ReLU", "GELU", "Dropout", "Flatten", "Tanh", "SiLU")
SHAPE_ONLY = ("view", "reshape", "flatten", "squeeze", "unsqueeze", "permute", "transpose", "detach", "clone",
              "contiguous", "split", "chunk", "unbind")
TO_LOW = ("half", "bfloat16")
LOW_DTYPES = ("torch.float16", "torch.half", "torch.bfloat16")


@needs_calls("autocast")
def check(code: Code) -> Iterator[Hit]:
    for block in (n for n in code.nodes_of(ast.With) if any(_low_autocast(i.context_expr) for i in n.items)):
        body = _body_holding(code, block)
        if body is None:
            continue
        after = body[body.index(block) + 1:]
        for output, made in _low_precision_outputs(code, block):
            for call in _fed_to_float_layer(code, after, output):
                yield Hit.at(code, call, f"{source_of(call)} runs outside autocast, but {output} is the {kind_of(made)} "
                             f"output computed under autocast (line {made.lineno}) and stays float16/bfloat16: cast it "
                             f"with {output}.float() first", {"tensor": output})


def _low_autocast(context: ast.expr) -> bool:
    if not (isinstance(context, ast.Call) and kind_of(context) == "autocast"):
        return False
    enabled, dtype = keyword(context, "enabled"), keyword(context, "dtype")
    return not (enabled is not None and constant(enabled) is not True) and dotted(dtype) not in ("torch.float32",
                                                                                                 "torch.float")


def _body_holding(code: Code, statement: ast.stmt) -> list[ast.stmt] | None:
    parent = code.parents.get(statement)
    for field in ("body", "orelse", "finalbody"):
        body = getattr(parent, field, None)
        if isinstance(body, list) and statement in body:
            return body
    return None


def _low_precision_outputs(code: Code, block: ast.With) -> Iterator[tuple[str, ast.Call]]:
    """`cached` for `cached = backbone(x)` in the block, with backbone a Linear or conv, or an
    nn.Sequential ending in one (or in an activation after one), and `cached` bound only there."""
    for statement in block.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Call)):
            continue
        built = built_module(code, statement.value.func)
        scope = code.scope_of(statement)
        if built is None or len(code.assigned(scope, statement.targets[0].id)) != 1 \
                or is_parameter(scope, (dotted(statement.value.func) or "").split(".")[0]):
            continue  # a parameter holds what the caller passed, whatever a global of that name is
        last = built.args[-1] if kind_of(built) == "Sequential" and built.args else built
        if dotted(last.func if isinstance(last, ast.Call) else last) in {f"{p}.{k}" for p in LAYERS for k in LOW_PRECISION_OUT}:
            yield statement.targets[0].id, built


def _fed_to_float_layer(code: Code, after: list[ast.stmt], output: str) -> Iterator[ast.Call]:
    names = {output}
    for statement in after:
        if isinstance(statement, ast.For) and _carries_any(statement.iter, names):
            names |= _loop_names(statement, names)
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and node.args and _carries_any(node.args[0], names) \
                    and _float_layer(code, node) and not _under_autocast(code, node):
                yield node
                return


def _carries_any(value: ast.expr, names: set[str]) -> bool:
    """Whether `value` is one of the names, a slice or a reshaping of it (not a cast, nor arithmetic,
    which promotes to float32 against a float32 operand)."""
    if isinstance(value, ast.Name):
        return value.id in names
    if isinstance(value, ast.Subscript):
        return _carries_any(value.value, names)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in SHAPE_ONLY:
        return _carries_any(value.func.value, names)
    if isinstance(value, ast.Call) and dotted(value.func) in ("zip", "enumerate"):
        return any(_carries_any(a, names) for a in value.args)
    return False


def _loop_names(loop: ast.For, names: set[str]) -> set[str]:
    """The loop variables that take the carried tensor's pieces: `feats` of
    `for feats, y in zip(cached.split(32), ys)`, `chunk` of `for i, chunk in enumerate(cached)`."""
    target, iterable = loop.target, loop.iter
    if isinstance(iterable, ast.Call) and dotted(iterable.func) in ("zip", "enumerate"):
        if not isinstance(target, ast.Tuple):
            return set()
        pieces = iterable.args if dotted(iterable.func) == "zip" else [ast.Constant(None), *iterable.args[:1]]
        return {t.id for t, a in zip(target.elts, pieces) if isinstance(t, ast.Name) and _carries_any(a, names)}
    return {target.id} if isinstance(target, ast.Name) else set()


def _float_layer(code: Code, call: ast.Call) -> bool:
    """A call of a layer with weights (Linear, conv, Sequential, a module class of the file) that
    nothing made low precision."""
    built = built_module(code, call.func)
    if built is None:
        return False
    kind = kind_of(built)
    chain = layer_call(code, call.func)
    made_low = any(isinstance(n, ast.Call) and _to_low(n) for n in ast.walk(chain)) if chain is not None else False
    made_low = made_low or any(_to_low(c) and isinstance(c.func, ast.Attribute)
                               and dotted(c.func.value) == dotted(call.func) for c in code.calls_of(*TO_LOW, "to"))
    return not made_low and (kind in ("Linear", "Bilinear", "Sequential", "Conv1d", "Conv2d", "LSTM", "GRU")
                             or (isinstance(built.func, ast.Name) and built.func.id in module_classes(code)))


def _to_low(call: ast.Call) -> bool:
    """`.half()`, `.bfloat16()`, `.to(torch.float16)`."""
    if kind_of(call) in TO_LOW:
        return True
    return kind_of(call) == "to" and any(dotted(a) in LOW_DTYPES for a in [*call.args, *(k.value for k in call.keywords)])


def _under_autocast(code: Code, node: ast.AST) -> bool:
    return any(isinstance(a, ast.With) and any(_low_autocast(i.context_expr) for i in a.items)
               for a in code.ancestors(node))
