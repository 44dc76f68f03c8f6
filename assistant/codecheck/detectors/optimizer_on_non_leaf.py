"""An optimizer given a tensor computed from a requires_grad tensor (`torch.randn(..., requires_grad=True) * 0.01`,
`.to(device)`): it is not a leaf, "can't optimize a non-leaf Tensor"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._leaves import grad_tensor

name = "optimizer-on-non-leaf"


def check(code: Code) -> Iterator[Hit]:
    for call in code.calls:
        if not (code.resolved(call.func) or "").startswith("torch.optim.") or not call.args:
            continue
        given = call.args[0]
        for element in given.elts if isinstance(given, (ast.List, ast.Tuple)) else []:
            found = grad_tensor(code, element)
            if found is not None and not found.leaf:
                yield Hit.at(code, element, f"{source_of(element)} is computed from {source_of(found.factory)}, so it "
                             "is not a leaf and the optimizer cannot update it: create it with requires_grad_() "
                             "after the arithmetic (or wrap it in nn.Parameter)")
