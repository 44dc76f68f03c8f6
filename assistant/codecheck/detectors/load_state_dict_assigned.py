"""`model = model.load_state_dict(...)`: load_state_dict loads in place and returns the missing and
unexpected keys, so `model` becomes an `_IncompatibleKeys` ("object is not callable")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls

name = "load-state-dict-assigned"


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for node in code.nodes_of(ast.Assign):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and kind_of(node.value) == "load_state_dict"):
            continue
        target, receiver = dotted(node.targets[0]), node.value.func.value  # type: ignore[attr-defined]
        if target is not None and (target == dotted(receiver) or isinstance(receiver, ast.Call)):
            yield Hit.at(code, node, f"{target} = {source_of(node.value.func)}(...) replaces the model with what "
                         "load_state_dict returns (the missing and unexpected keys): call it on its own line, "
                         "it loads in place")
