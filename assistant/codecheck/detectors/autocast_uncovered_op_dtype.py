"""Under torch.autocast, a layer's float16/bfloat16 output written into a float32 buffer (a plain
`torch.zeros(...)`) by an op autocast does not cast: an index/mask assignment (`buf[idx] = out`),
`index_add_`, `index_copy_`, `scatter_`, `masked_scatter_`. Those ops need equal dtypes ("Index put
requires the source and destination dtypes match"); slice assignment would cast, so only tensor
indices count. The region is a `with torch.autocast(...)` block, or the forward of a module of this
file that is called inside one."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._signatures import built_module
from assistant.codecheck.detectors._torch_names import is_layer, layer_call, module_classes
from assistant.codecheck.detectors._unpacked import known_value
from assistant.codecheck.detectors._comment_shapes import stated_dims
from assistant.codecheck.detectors.autocast_output_outside_autocast import _low_autocast

name = "autocast-uncovered-op-dtype"
FLOAT32_FACTORIES = ("torch.zeros", "torch.ones", "torch.empty", "torch.full", "torch.randn", "torch.rand")
WRITES = {"index_add_": 2, "index_copy_": 2, "scatter_": 2, "scatter_add_": 2, "masked_scatter_": 1}
CAST_LAYERS = ("Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d")
KEEP_DTYPE = ("ReLU", "GELU", "SiLU", "Tanh", "Dropout", "Flatten", "LeakyReLU", "Identity", *CAST_LAYERS)
CAST_FUNCTIONS = ("torch.matmul", "torch.mm", "torch.bmm", "torch.nn.functional.linear", "torch.nn.functional.conv1d",
                  "torch.nn.functional.conv2d")
INDEX_MAKERS = ("nonzero", "argsort", "randperm", "where", "argmax", "argmin", "multinomial", "tensor", "as_tensor")


@needs_calls("autocast")
def check(code: Code) -> Iterator[Hit]:
    callers = _autocast_forwards(code)
    regions = [*_autocast_blocks(code), *callers]
    if not regions:
        return
    for buffer, value, node in _writes(code, callers):
        if not (_inside(code, node, regions) and _float32_buffer(code, buffer)):
            continue
        made = _low_precision_value(code, value, regions)
        if made is not None:
            yield Hit.at(code, node, f"{source_of(made)} runs under autocast and gives float16/bfloat16, but "
                         f"{source_of(buffer)} is a float32 {dotted(code.reaching_value(buffer).func)}(...) buffer and "  # type: ignore[union-attr]
                         f"this write does not cast: allocate it with dtype={source_of(value)}.dtype or write "
                         f"{source_of(value)}.to({source_of(buffer)}.dtype)", {"buffer": source_of(buffer)})


def _autocast_blocks(code: Code) -> list[ast.With]:
    return [n for n in code.nodes_of(ast.With) if any(_low_autocast(i.context_expr) for i in n.items)]


def _autocast_forwards(code: Code) -> dict[ast.AST, list[ast.Call]]:
    """The forward of each module class of this file that an autocast block calls, with those calls."""
    classes = module_classes(code)
    forwards: dict[ast.AST, list[ast.Call]] = {}
    for block in _autocast_blocks(code):
        for call in (n for n in ast.walk(block) if isinstance(n, ast.Call) and not isinstance(n.func, ast.Call)):
            built = built_module(code, call.func)
            cls = classes.get(built.func.id) if built is not None and isinstance(built.func, ast.Name) else None
            forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None) if cls else None
            if forward is not None:
                forwards.setdefault(forward, []).append(call)
    return forwards


def _inside(code: Code, node: ast.AST, regions: list[ast.AST]) -> bool:
    return any(a in regions for a in code.ancestors(node)) or node in regions


def _writes(code: Code, callers: dict[ast.AST, list[ast.Call]]) -> Iterator[tuple[ast.Name, ast.expr, ast.AST]]:
    """(buffer, value, where) of each `buf[index] = value` with a tensor index, and each uncast write method."""
    for statement in code.nodes_of(ast.Assign):
        target = statement.targets[0] if len(statement.targets) == 1 else None
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and _tensor_index(code, target.slice, callers):
            yield target.value, statement.value, statement
    for call in code.calls_of(*WRITES):
        position = WRITES[kind_of(call)]
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) and len(call.args) > position:
            yield call.func.value, call.args[position], call


def _tensor_index(code: Code, index: ast.expr, callers: dict[ast.AST, list[ast.Call]], depth: int = 0) -> bool:
    """An index that is certainly a tensor (a mask or index tensor, so the write is an index_put): made
    so, stated so by a shape comment, or a forward parameter that every autocast caller passes one for."""
    if isinstance(index, ast.Tuple):
        return any(_tensor_index(code, e, callers, depth + 1) for e in index.elts)
    if isinstance(index, ast.Compare) or (isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.Invert)):
        return True
    if isinstance(index, ast.Call):
        return kind_of(index) in INDEX_MAKERS or (kind_of(index) in ("long", "bool") and isinstance(index.func, ast.Attribute))
    if isinstance(index, ast.Name) and depth < 6:
        bound = known_value(code, index)
        if bound is not None:
            return _tensor_index(code, bound, callers, depth + 1)
        if stated_dims(code, index) is not None:
            return True
        passed = _passed_for(code.scope_of(index), index.id, callers)
        return bool(passed) and all(_tensor_index(code, a, callers, depth + 1) for a in passed)
    return False


def _passed_for(forward: ast.AST, parameter: str, callers: dict[ast.AST, list[ast.Call]]) -> list[ast.expr]:
    """What the autocast callers of `forward` pass for its parameter, positionally; empty if any passes none."""
    names = [a.arg for a in forward.args.args[1:]] if isinstance(forward, ast.FunctionDef) and forward in callers else []
    if parameter not in names:
        return []
    position = names.index(parameter)
    calls = callers[forward]
    return [c.args[position] for c in calls] if all(len(c.args) > position and not c.keywords for c in calls) else []


def _float32_buffer(code: Code, buffer: ast.Name) -> bool:
    """Bound to a torch factory with no dtype, which makes float32 whatever autocast does."""
    bound = code.reaching_value(buffer)
    return isinstance(bound, ast.Call) and code.resolved(bound.func) in FLOAT32_FACTORIES and keyword(bound, "dtype") is None and (
        keyword(bound, "out") is None)


def _low_precision_value(code: Code, value: ast.expr, regions: list[ast.AST], depth: int = 0) -> ast.expr | None:
    """The autocast-cast computation `value` is, unchanged or indexed: a Linear/conv (or a stack of them
    and dtype-keeping activations), a module this code does not show, a matmul; run inside the region."""
    if isinstance(value, ast.Name) and depth < 6:
        bound = code.reaching_value(value)
        return _low_precision_value(code, bound, regions, depth + 1) if bound is not None else None
    if isinstance(value, ast.Subscript) and depth < 6:
        return _low_precision_value(code, value.value, regions, depth + 1)
    if not _inside(code, value, regions):
        return None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.MatMult):
        return value
    if not isinstance(value, ast.Call) or isinstance(value.func, ast.Call):
        return None
    if code.resolved(value.func) in CAST_FUNCTIONS:
        return value
    if dotted(value.func) is None or code.resolved(value.func) is not None:
        return None
    built = layer_call(code, value.func)
    if built is None:
        return value if _unshown_module(code, value.func) else None
    return value if _casts_output(built) else None


def _casts_output(built: ast.expr) -> bool:
    if is_layer(built, *CAST_LAYERS):
        return True
    layers = built.args if is_layer(built, "Sequential") else []  # type: ignore[union-attr]
    return bool(layers) and all(is_layer(layer, *KEEP_DTYPE) for layer in layers) and any(
        is_layer(layer, *CAST_LAYERS) for layer in layers)


def _unshown_module(code: Code, func: ast.expr) -> bool:
    """`self.edge_mlp(...)` in a pasted method whose class is not in the code: a submodule the code does not show."""
    name = dotted(func) or ""
    return name.startswith("self.") and name.count(".") == 1 and code.enclosing_class(func) is None
