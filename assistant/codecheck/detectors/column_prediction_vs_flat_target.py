"""A regression loss between a [N, 1] prediction (a model whose last layer is `Linear(..., 1)`) and
a flat [N] target: the two broadcast to [N, N], torch warns "Using a target size that is different
to the input size", and the loss averages every prediction against every target."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._loaders import tensor_dataset_part
from assistant.codecheck.detectors._torch_names import forward_returns, is_layer, layer_call, module_classes

name = "column-prediction-vs-flat-target"
REGRESSION = {"mse_loss": "MSELoss", "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss", "huber_loss": "HuberLoss"}
SIZED = ("randn", "rand", "zeros", "ones", "empty")


def check(code: Code) -> Iterator[Hit]:
    if code.call_kinds.isdisjoint({*REGRESSION, *REGRESSION.values()}):
        return
    instances = code.bound_to(*REGRESSION.values())
    for call, spelled in zip(code.calls, code.callees):
        if len(call.args) < 2 or not (kind_of(call) in REGRESSION or isinstance(call.func, ast.Call)
                                      or spelled in instances) or not _regression_loss(code, call, instances):
            continue
        prediction, target = call.args[0], argument(call, 1, "target")
        model = _column_model(code, prediction)
        if model is not None and target is not None and _flat(code, target):
            yield Hit.at(code, call, f"{source_of(call.func)}({source_of(prediction)}, {source_of(target)}): the "
                         f"prediction is [N, 1] ({source_of(model.func)} ends in Linear(..., 1)) and the target is "
                         f"flat [N], so they broadcast to [N, N]; squeeze the prediction "
                         f"({source_of(prediction)}.squeeze(1)) or give the target shape [N, 1]")


def _regression_loss(code: Code, call: ast.Call, instances: frozenset[str]) -> bool:
    full = code.resolved(call.func) or ""
    if full.rpartition(".")[0] == "torch.nn.functional" and full.rpartition(".")[2] in REGRESSION:
        return True
    built = call.func if isinstance(call.func, ast.Call) else layer_call(code, call.func) if (
        dotted(call.func) in instances) else None
    return isinstance(built, ast.Call) and is_layer(built, *REGRESSION.values())


def _column_model(code: Code, prediction: ast.expr) -> ast.Call | None:
    """The model call whose unchanged output `prediction` is, when its last layer is Linear(k, 1)."""
    if isinstance(prediction, ast.Name):
        prediction = code.reaching_value(prediction)  # type: ignore[assignment]
    if not isinstance(prediction, ast.Call) or len(prediction.args) != 1:
        return None
    built = layer_call(code, prediction.func)
    return prediction if _ends_in_one_output(code, built) else None


def _ends_in_one_output(code: Code, built: ast.expr | None) -> bool:
    if is_layer(built, "Linear"):
        return constant(argument(built, 1, "out_features")) == 1  # type: ignore[arg-type]
    if is_layer(built, "Sequential"):
        return bool(built.args) and _ends_in_one_output(code, built.args[-1])  # type: ignore[union-attr]
    cls = module_classes(code).get(kind_of(built)) if isinstance(built, ast.Call) and isinstance(built.func, ast.Name) else None
    returns = forward_returns(cls)
    return bool(returns) and all(
        isinstance(r, ast.Call) and isinstance(r.func, ast.Attribute) and isinstance(r.func.value, ast.Name)
        and r.func.value.id == "self" and _ends_in_one_output(code, code.attribute_value(cls, r.func.attr))  # type: ignore[arg-type]
        for r in returns)


def _flat(code: Code, target: ast.expr, depth: int = 0) -> bool:
    """A one-dimensional tensor: `torch.randn(64)`, `torch.tensor([1.0, 2.0])`, `X @ w` for a 2-D X
    and a vector w, arithmetic with numbers, or the batches of such a TensorDataset tensor."""
    if depth > 8:
        return False
    if isinstance(target, ast.Name):
        bound = code.reaching_value(target) or tensor_dataset_part(code, target)
        return bound is not None and _flat(code, bound, depth + 1)
    if isinstance(target, ast.BinOp) and isinstance(target.op, ast.MatMult):
        return _rank(code, target.left) == 2 and _flat(code, target.right, depth + 1)
    if isinstance(target, ast.BinOp):
        sides = [s for s in (target.left, target.right) if not isinstance(constant(s), (int, float))]
        return len(sides) == 1 and _flat(code, sides[0], depth + 1)
    return _rank(code, target) == 1


def _rank(code: Code, value: ast.expr) -> int | None:
    """The number of dimensions of a torch factory's tensor, from its sizes."""
    if isinstance(value, ast.Name):
        value = code.reaching_value(value)  # type: ignore[assignment]
    if not isinstance(value, ast.Call):
        return None
    full = (code.resolved(value.func) or "").rpartition(".")
    if full[0] != "torch":
        return None
    if full[2] == "tensor" and value.args and isinstance(value.args[0], ast.List):
        flat = all(isinstance(constant(e), (int, float)) for e in value.args[0].elts)
        return 1 if flat and value.args[0].elts else None
    if full[2] not in SIZED:
        return None
    sizes = value.args
    if len(sizes) == 1 and isinstance(sizes[0], (ast.Tuple, ast.List)):
        return len(sizes[0].elts)
    return len(sizes) if sizes and all(not isinstance(s, (ast.Tuple, ast.List, ast.Starred)) for s in sizes) else None
