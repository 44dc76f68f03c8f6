"""Weights saved from one instance of a module class loaded (strictly) into another built with a
different switch that chooses its layers (`Classifier(mlp_head=True)` saved, `Classifier()` loading):
the two have different layer names, so load_state_dict reports "Missing key(s) ... Unexpected key(s)"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._two_configs import config_pairs, init_of, is_strict

name = "checkpoint-from-other-layers"


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for pair in config_pairs(code):
        if not is_strict(pair.load):
            continue  # strict=False leaves the unmatched layers out silently: another situation
        for parameter, (saved, _) in pair.differing.items():
            branch = _branch_on(pair.cls, parameter)
            if branch is not None:
                yield Hit.at(code, pair.load, f"{pair.moved(parameter)}, and it chooses which layers __init__ builds (line {branch.lineno}), so the layer names differ "
                             f"(missing and unexpected keys); build the model with {parameter}={saved}, as it was trained")
                break


def _branch_on(cls: ast.ClassDef, parameter: str) -> ast.If | ast.IfExp | None:
    """An `if` (or a conditional expression) in __init__ that tests the parameter."""
    init = init_of(cls)
    for node in ast.walk(init) if init is not None else []:
        if isinstance(node, (ast.If, ast.IfExp)) and any(
                isinstance(n, ast.Name) and n.id == parameter for n in ast.walk(node.test)):
            return node
    return None
