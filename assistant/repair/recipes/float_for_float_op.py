"""Averages, spreads, softmaxes, Gaussian noise and gradients are only defined for floating-point
tensors, and torch does not cast integer data (counts, `torch.tensor([1, 2, 3])`, uint8 images,
`torch.arange`) for them. Both entries' fix is to convert to float32 right where the float-only
operation takes the integer tensor:

- `counts.mean()` -> `counts.float().mean()`, `torch.softmax(votes, -1)` -> `torch.softmax(votes.float(), -1)`;
- `torch.randn_like(ids)` -> `torch.randn_like(ids, dtype=torch.float32)`;
- a tensor created with `requires_grad=True` gets `dtype=torch.float32`, `nn.Parameter(t)` gets `t.float()`;
- `F.interpolate` of an integer map in `nearest` mode is cast back to its dtype afterwards, so a
  label map stays a label map.

When the message names the kernel (`"softmax_lastdim_kernel_impl"`), only the calls of that op on
the failing line are changed.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import (TORCH_NAMESPACES, Edits, Script, callee, dotted, keyword, kind_of,
                                            positional, with_keyword)

name = "float-for-float-op"
_FLOAT_ONLY = frozenset({  # ops without integer kernels (`exp`, `sigmoid`... promote integers themselves)
    "mean", "nanmean", "std", "var", "norm", "quantile", "nanquantile", "softmax", "log_softmax", "dropout",
    "mse_loss", "l1_loss", "smooth_l1_loss", "interpolate", "normalize", "layer_norm", "cosine_similarity",
    "logsumexp",
})
_LIKE = frozenset({"randn_like", "rand_like"})
_KERNEL_OPS = {"normal": _LIKE, "upsample": {"interpolate"}, "mse": {"mse_loss"}, "bernoulli": {"dropout"},
               "logsumexp": {"logsumexp"}}
_TENSOR_NAMESPACES = ("torch", "F", "nn.functional", "torch.nn.functional")


@needs_failing_line
def match(problem: Problem) -> list[cst.Call] | None:
    """The float-only calls on the innermost failing line that has one (of the message's kernel)."""
    script = problem.script
    kernel = problem.facts.values.get("kernel", "").strip("\"'").lower()
    for line in reversed(problem.facts.user_lines):
        calls = [call for call in script.calls_on(line) if _fixable(script, call)]
        named = [call for call in calls if kernel and _is_kernel_of(call, kernel)]
        if named or calls:
            chosen = named or calls
            return chosen + [call for call in _same_tensor_later(script, chosen) if call not in chosen]
    return None


def apply(problem: Problem, calls: list[cst.Call]) -> Edits:
    edits = problem.edits()
    for call in calls:
        edits.replace(call, _with_float_input(problem.script, call))
    return edits


def _same_tensor_later(script: Script, chosen: list[cst.Call]) -> list[cst.Call]:
    """The float-only ops that the same integer tensor (by name) meets next in the same function,
    up to its next assignment: `images.std()` on the line after the failing `images.mean()`."""
    found: list[cst.Call] = []
    for call in chosen:
        tensor = _tensor_of(script, call) if kind_of(call) in _FLOAT_ONLY else None
        name = dotted(tensor) if tensor is not None else None
        if name is None:
            continue
        start, scope = script.span(call)[1], script.function_of(call)
        assigned = [script.span(node)[0] for node in script.nodes(cst.Assign) if script.span(node)[0] > start
                    and script.function_of(node) is scope and any(dotted(t.target) == name for t in node.targets)]
        end = min(assigned, default=10**9)
        found += [other for other in script.calls() if kind_of(other) in _FLOAT_ONLY
                  and start < script.span(other)[0] <= end and script.function_of(other) is scope
                  and (other_tensor := _tensor_of(script, other)) is not None and dotted(other_tensor) == name]
    return found


def _fixable(script: Script, call: cst.Call) -> bool:
    kind = kind_of(call)
    if kind in _FLOAT_ONLY or kind in _LIKE:
        return _tensor_of(script, call) is not None
    return _requires_grad(call) or (kind == "Parameter" and bool(positional(call)))


def _is_kernel_of(call: cst.Call, kernel: str) -> bool:
    """`log_softmax` for `"log_softmax_lastdim_kernel_impl"` (not `softmax`), `randn_like` for `"normal_kernel_cpu"`."""
    kind = kind_of(call)
    if any(kernel.startswith(prefix) and kind in ops for prefix, ops in _KERNEL_OPS.items()):
        return True
    return kernel.startswith(kind.lower()) or (f"_{kind.lower()}" in kernel and not kernel.startswith("log_"))


def _requires_grad(call: cst.Call) -> bool:
    flag = keyword(call, "requires_grad")
    return flag is not None and isinstance(flag.value, cst.Name) and flag.value.value == "True"


def _tensor_of(script: Script, call: cst.Call) -> cst.BaseExpression | None:
    """The tensor the op works on: `x` of `x.mean()`, of `torch.mean(x)`, of `F.softmax(x, -1)` and
    of `self.drop(x)` (a layer built in this file); None for NumPy and other modules' functions."""
    if not isinstance(call.func, cst.Attribute):
        return None
    receiver = dotted(call.func.value)
    args = positional(call)
    if receiver in _TENSOR_NAMESPACES or receiver == "self" or callee(call) in script.bindings:
        return args[0].value if args else None
    return None if receiver in TORCH_NAMESPACES else call.func.value


def _with_float_input(script: Script, call: cst.Call) -> cst.BaseExpression:
    kind = kind_of(call)
    if kind in _LIKE:
        return call if keyword(call, "dtype") else with_keyword(call, "dtype", "torch.float32")
    if _requires_grad(call) and kind not in _FLOAT_ONLY:
        dtype = keyword(call, "dtype")
        if dtype is None:
            return with_keyword(call, "dtype", "torch.float32")
        return call.with_changes(args=[arg.with_changes(value=cst.parse_expression("torch.float32")) if arg is dtype
                                       else arg for arg in call.args])
    tensor = positional(call)[0].value if kind == "Parameter" else _tensor_of(script, call)
    floated = _replaced(call, tensor, script.with_method(tensor, "float()"))
    if kind == "interpolate" and _nearest(call):
        return script.with_method(floated, f"to({script.code(tensor)}.dtype)")
    return floated


def _replaced(call: cst.Call, old: cst.BaseExpression, new: cst.BaseExpression) -> cst.Call:
    """The call with its tensor (receiver or argument) swapped for a converted one."""
    if isinstance(call.func, cst.Attribute) and call.func.value is old:
        return call.with_changes(func=call.func.with_changes(value=new))
    return call.with_changes(args=[arg.with_changes(value=new) if arg.value is old else arg for arg in call.args])


def _nearest(call: cst.Call) -> bool:
    mode = keyword(call, "mode")
    return mode is None or (isinstance(mode.value, cst.SimpleString) and mode.value.evaluated_value.startswith("nearest"))
