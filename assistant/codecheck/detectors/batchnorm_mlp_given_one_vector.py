"""A 1-D tensor, one sample without its batch dimension (`torch.randn(12)`, `features[0]` of a [N, 12]
table), run through an MLP with BatchNorm1d: Linear accepts it, BatchNorm1d does not ("expected 2D or
3D input (got 1D input)"). Only models whose layers never change the rank (Linear, BatchNorm1d,
activations, dropout) and whose forward reshapes nothing are judged: there the 1-D input surely
reaches the BatchNorm."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._comment_shapes import declared_layer_kind
from assistant.codecheck.detectors._factory_shapes import factory_sizes
from assistant.codecheck.detectors._fragments import free_named
from assistant.codecheck.detectors._torch_names import LAYERS, is_torch_function, layer_call, layer_kind, module_classes

name = "batchnorm-mlp-given-one-vector"
RANK_KEEPING = ("Linear", "BatchNorm1d", "ReLU", "LeakyReLU", "GELU", "SiLU", "ELU", "Tanh", "Sigmoid", "Dropout",
                "Identity", "Sequential", "Softmax", "LogSoftmax", "PReLU", "SELU", "Mish", "Hardswish", "ReLU6")
_RESHAPES = ("view", "reshape", "unsqueeze", "flatten", "stack", "cat", "expand", "repeat", "unflatten", "atleast_2d",
             "squeeze", "permute", "transpose", "t", "einsum", "matmul", "bmm")


@precondition(lambda code: "BatchNorm1d" in code.call_kinds or code.mentions("BatchNorm1d("))  # built, or named in a comment
def check(code: Code) -> Iterator[Hit]:
    models = code.bound_to("Sequential", *module_classes(code))
    for call in code.calls_spelled(*models):
        if len(call.args) != 1 or call.keywords:
            continue
        model = _mlp_with_batchnorm(code, call.func)  # judged once per model, before following the input
        if model is None or (size := _one_vector(code, call.args[0])) is None:
            continue
        yield Hit.at(code, call, f"{source_of(call)} gives one sample with no batch dimension ({size}) to {model}, "
                     "whose BatchNorm1d takes [batch, features] and refuses a 1-D tensor; pass "
                     f"{source_of(call.args[0])}.unsqueeze(0) (and switch the model to eval() for one-sample inference)")
    for call in _batch_norm_calls(code):
        if (size := _one_vector(code, call.args[0])) is not None:
            yield Hit.at(code, call, f"{source_of(call)} gives one sample with no batch dimension ({size}) to "
                         f"{source_of(call.func)}, a BatchNorm1d, which takes [batch, features] and refuses a 1-D "
                         f"tensor; pass {source_of(call.args[0])}.unsqueeze(0) (and use eval() for one-sample inference)")


def _batch_norm_calls(code: Code) -> list[ast.Call]:
    """Calls of one argument of a BatchNorm1d itself: built so in the file (`self.bn = nn.BatchNorm1d(24)`),
    or so declared by the comment on the call's line (`x = self.input_bn(x)  # nn.BatchNorm1d(24)`)."""
    norms = code.bound_to("BatchNorm1d")
    found = [call for call in code.calls_spelled(*norms) if layer_kind(code, call.func) == "BatchNorm1d"]
    if code.mentions("BatchNorm1d("):
        found += [call for call in code.calls if declared_layer_kind(code, call) == "BatchNorm1d"]
    return [call for call in code.in_file_order(found) if len(call.args) == 1 and not call.keywords]  # type: ignore[misc]


def _one_vector(code: Code, value: ast.expr) -> str | None:
    """How `value` is certainly a 1-D tensor: `torch.randn(12)`, `torch.tensor([0.1, 0.2])`, or one row
    `table[i]` of a 2-D factory tensor; followed through a name bound just above."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if (row := _table_row(code, value)) is not None:
        return row
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and not isinstance(
            value.slice, (ast.Slice, ast.Tuple)) and _is_index(code, value.slice):
        table = code.reaching_value(value.value)
        sizes = factory_sizes(table) if isinstance(table, ast.Call) else None
        return f"a row of a {sizes[0]} x {sizes[1]} tensor" if sizes and len(sizes) == 2 else None
    if isinstance(value, ast.Call):
        sizes = factory_sizes(value)
        if sizes and len(sizes) == 1:
            return f"[{sizes[0]}]"
        if is_torch_function(value, "tensor") and value.args and isinstance(value.args[0], ast.List) \
                and value.args[0].elts and all(isinstance(constant(e), (int, float)) for e in value.args[0].elts):
            return f"[{len(value.args[0].elts)}]"
    return None


_POSITION_NAMES = re.compile(r"^(i|j|k|idx|index|\w+_(idx|index))$")  # a fragment's position, bound elsewhere


def _table_row(code: Code, value: ast.expr | None) -> str | None:
    """One row of a data frame made a tensor: `torch.from_numpy(row)` of `row = df.iloc[i][cols].values`
    (`.astype(...)`, `.to_numpy()`, `.float()` along the way): a frame's row indexed by one position is 1-D."""
    for _ in range(8):
        if isinstance(value, ast.Name):
            value = code.reaching_value(value)
        elif isinstance(value, ast.Call) and is_torch_function(value, "from_numpy", "tensor", "as_tensor") and value.args:
            value = value.args[0]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in ("astype", "float", "to_numpy", "copy", "double"):
            value = value.func.value
        elif isinstance(value, ast.Attribute) and value.attr == "values":
            value = value.value
        elif isinstance(value, ast.Subscript) and isinstance(value.value, ast.Subscript):
            value = value.value  # df.iloc[i][cols]: the columns of the row
        else:
            break
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Attribute) and value.value.attr == "iloc" \
            and not isinstance(value.slice, (ast.Slice, ast.Tuple)) and (
                _is_index(code, value.slice) or free_named(code, value.slice, _POSITION_NAMES)):
        return f"one row, {source_of(value)}"
    return None


def _is_index(code: Code, index: ast.expr) -> bool:
    """An int literal, or the variable of an enclosing `for i in range(...)`: not a slice, a mask or a
    tensor of indices."""
    if isinstance(constant(index), int) and not isinstance(constant(index), bool):
        return True
    scope = code.scope_of(index)
    if isinstance(index, ast.Name) and isinstance(scope, ast.FunctionDef) and scope.name == "__getitem__" \
            and [a.arg for a in scope.args.args[1:2]] == [index.id] and not code.assigned(scope, index.id):
        return True  # the position a Dataset is asked for
    return isinstance(index, ast.Name) and any(
        isinstance(a, ast.For) and isinstance(a.target, ast.Name) and a.target.id == index.id
        and isinstance(a.iter, ast.Call) and dotted(a.iter.func) == "range" for a in code.ancestors(index))


def _mlp_with_batchnorm(code: Code, func: ast.expr) -> str | None:
    """The model `func` holds, described, when it is an nn.Sequential or a module class of this file made
    only of rank-keeping layers, with a BatchNorm1d, and a forward that reshapes nothing."""
    built = layer_call(code, func)
    if not isinstance(built, ast.Call):
        return None
    key = ("batchnorm mlp", built)
    if key not in code.memo:
        code.memo[key] = _rank_keeping_model(code, built)
    kind = code.memo[key]
    return f"{source_of(func)} ({kind})" if kind else None


def _rank_keeping_model(code: Code, built: ast.Call) -> str | None:
    """What `built` makes ("an nn.Sequential" or its class) when its layers keep the rank and one of them is
    a BatchNorm1d: judged once per model, however many calls run it."""
    name = dotted(built.func) or ""
    if kind_of(built) == "Sequential" and name.rpartition(".")[0] in ("", *LAYERS):
        return "an nn.Sequential" if _only_rank_keeping(code, built) else None
    cls = module_classes(code).get(name)
    forward = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "forward"), None) if cls else None
    if forward is None or any(isinstance(n, ast.Subscript) or kind_of(n) in _RESHAPES
                              for n in code.descendants(forward, ast.Subscript, ast.Call)):
        return None
    return name if _only_rank_keeping(code, cls) else None  # type: ignore[arg-type]


def _only_rank_keeping(code: Code, holder: ast.AST) -> bool:
    layers = [kind_of(n) for n in code.descendants(holder, ast.Call) if (dotted(n.func) or "").rpartition(".")[0] in LAYERS]
    return "BatchNorm1d" in layers and all(kind in RANK_KEEPING for kind in layers)
