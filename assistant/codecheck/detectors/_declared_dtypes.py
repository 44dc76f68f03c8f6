"""The dtype a comment declares for a tensor, where the code cannot show it: pasted code reads its data
from files and datasets (`torch.from_numpy(np.asarray(self.images[i]))   # uint8 [H, W, 3]`) or takes it
as a parameter (`def forward(self, t):  # t: LongTensor [B]`), and says in a comment what it holds.

Only a comment that opens with the dtype counts (after the name it is about, `t:`), on the line that
binds the name, followed back through the methods that keep a dtype (`img = img.permute(2, 0, 1)`);
a comment that mentions a dtype in passing ("converted from uint8 below") is no declaration."""

from __future__ import annotations

import ast
import re

from assistant.codecheck._code import Code
from assistant.codecheck.detectors._tensor_dtypes import CONVERTING, DTYPE_NAMES, KEEPING, LEGACY

_DECLARED = re.compile(r"(?:(?P<name>\w+)\s*:\s*)?(?:torch\.)?(?P<dtype>\w+)\b")
# `Tensor` says nothing of the dtype a comment means
_KEEPING = frozenset(KEEPING) - {"sum", "cumsum", "max", "min"}  # an integer sum is int64, whatever it sums
_NAMED = {**DTYPE_NAMES, **{legacy: dtype for legacy, dtype in LEGACY.items() if legacy != "Tensor"}}


def declared_dtype(code: Code, name: ast.Name, depth: int = 0) -> str | None:
    """`torch.uint8`, `torch.int64`, ... as the comment of the binding the use of `name` sees says."""
    if depth > 8:
        return None
    bound = code.reaching_value(name)
    if bound is None:
        return _declared_parameter(code, name)
    if not hasattr(bound, "lineno") or _converts(bound):
        return None  # a value the parser made, or a conversion: the comment may speak of the data before it
    if (declared := _comment_dtype(code, bound.lineno, getattr(bound, "end_lineno", None), name.id)) is not None:
        return declared
    while isinstance(bound, ast.Call) and isinstance(bound.func, ast.Attribute) and bound.func.attr in _KEEPING:
        bound = bound.func.value  # `frame.permute(2, 0, 1).contiguous()` has frame's dtype
    return declared_dtype(code, bound, depth + 1) if isinstance(bound, ast.Name) else None


def _converts(value: ast.expr) -> bool:
    """The expression changes a dtype somewhere (`.float()`, `.to(...)`, `dtype=`)."""
    return any(isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Attribute) and node.func.attr in (*CONVERTING, "to", "type", "astype")
        or any(k.arg in ("dtype", None) for k in node.keywords)) for node in ast.walk(value))


def _declared_parameter(code: Code, name: ast.Name) -> str | None:
    """A parameter of the function the name is used in, declared on its `def` line, and not rebound
    anywhere in the function."""
    function = code.scope_of(name)
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or code.assigned(function, name.id):
        return None
    if name.id not in [a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]]:
        return None
    header_end = function.body[0].lineno - 1 if function.body else function.lineno
    return _comment_dtype(code, function.lineno, header_end, name.id, named=True)


def _comment_dtype(code: Code, first: int, last: int | None, about: str, named: bool = False) -> str | None:
    """The dtype a comment on these lines opens with, when it is about `about`: it says so (`t:
    LongTensor`), or, unless `named` is asked for, it names nothing else."""
    for line in range(first, (last or first) + 1):
        match = _DECLARED.match(code.comments.get(line, ""))
        if match and (match["name"] == about or (match["name"] is None and not named)):
            return _NAMED.get(match["dtype"])
    return None
