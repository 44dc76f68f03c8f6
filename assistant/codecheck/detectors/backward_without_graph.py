"""`backward()` on a loss computed under `torch.no_grad()` / `inference_mode()`, or after `.detach()`:
nothing was recorded, "element 0 of tensors does not require grad and does not have a grad_fn"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._training import backward_calls
from assistant.codecheck.detectors._torch_names import without_grad

name = "backward-without-graph"


@needs_calls("backward")
def check(code: Code) -> Iterator[Hit]:
    for call, tensor, made in backward_calls(code):
        if without_grad(code, call):
            yield Hit.at(code, call, f"{source_of(call.func)}() runs under torch.no_grad(): no graph was recorded; "
                         "compute the loss and call backward() outside the no_grad block")
        elif made is not None and without_grad(code, made) and isinstance(tensor, ast.Name):
            yield Hit.at(code, call, f"{source_of(tensor)} was computed under torch.no_grad() (line {made.lineno}), "
                         "so it has no graph to backward through; compute it outside the no_grad block")
        elif (function := _no_grad_function(code, made)) is not None:
            yield Hit.at(code, call, f"{source_of(tensor)} comes from {function.name}(), which runs under "
                         f"@torch.no_grad() (line {function.lineno}): no graph was recorded; drop the decorator "
                         "for the training path")
        elif isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and made.func.attr == "detach":
            yield Hit.at(code, call, f"{source_of(tensor)} is detached ({source_of(made)}), so it has no graph to "
                         "backward through; drop the .detach()")


def _no_grad_function(code: Code, made: ast.expr | None) -> ast.FunctionDef | None:
    """The function of this file decorated with @torch.no_grad() that `made` calls."""
    if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
        return None
    function = next((f for f in code.functions if f.name == made.func.id and isinstance(f, ast.FunctionDef)), None)
    return function if function is not None and without_grad(code, function.body[0]) else None
