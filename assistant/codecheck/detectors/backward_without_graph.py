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
        elif isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and made.func.attr == "detach":
            yield Hit.at(code, call, f"{source_of(tensor)} is detached ({source_of(made)}), so it has no graph to "
                         "backward through; drop the .detach()")
