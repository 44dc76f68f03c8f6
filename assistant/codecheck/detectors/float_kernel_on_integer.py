"""softmax / log_softmax / randn_like / rand_like on an integer tensor (votes counted with one_hot,
argmax predictions, token ids): '"softmax_lastdim_kernel_impl" not implemented for 'Long''."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, keyword, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._tensor_dtypes import dtype_of, is_integer

name = "float-kernel-on-integer"
FLOAT_KERNELS = ("softmax", "log_softmax", "randn_like", "rand_like")


@needs_calls(*FLOAT_KERNELS)
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*FLOAT_KERNELS):
        if keyword(call, "dtype") is not None:
            continue  # softmax(x, dim=1, dtype=torch.float32) computes in that dtype
        full = code.resolved(call.func) or ""
        if full.rpartition(".")[0] in ("torch", "torch.nn.functional") and call.args:
            tensor = call.args[0]
        elif isinstance(call.func, ast.Attribute) and code.resolved(call.func) is None and kind_of(call) in (
                "softmax", "log_softmax"):
            tensor = call.func.value
        else:
            continue
        dtype = dtype_of(code, tensor)
        if is_integer(dtype):
            yield Hit.at(code, call, f"{source_of(call.func)}() on {source_of(tensor)}, a {dtype} tensor: "
                         f"{kind_of(call)} has no integer kernel; convert first ({source_of(tensor)}.float())",
                         {"dtype": dtype})  # type: ignore[dict-item]
