"""Pinned host memory only speeds up copies to a GPU; on a machine without one the DataLoader skips
it and warns. Pinning exactly when CUDA is there keeps the GPU machine's fast path and makes the
setting true on every other: the recipe writes `torch.cuda.is_available()` where the setting is
made, whether in the DataLoader call, in the keyword dict the loaders share, or as the default of
a command-line option.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import (Edits, Script, dotted, expr, imported_modules, keyword, kind_of,
                                            positional, statement)

name = "pin-memory-when-cuda"
_SETTING = "pin_memory"
_OPTIONS = ("--pin-memory", "--pin_memory")


@needs_calls("DataLoader")
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """Every literal `True` that sets pin_memory: a loader's keyword, a `dict(...)` keyword or
    `"pin_memory"` key of the settings passed to loaders, a `--pin-memory` option's default, or
    the module constant one of those names."""
    script = problem.script
    found = [value for value in (_keyword_setting(call) or _option_default(call) for call in script.calls()) if value]
    found += [element.value for element in script.nodes(cst.DictElement) if _is_setting_key(element.key)]
    found = [_constant_value(script, value) for value in found]
    return list(dict.fromkeys(value for value in found if _is_true(value))) or None


def apply(problem: Problem, settings: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for value in settings:
        edits.replace(value, expr("torch.cuda.is_available()"))
    if "torch" not in imported_modules(problem.script):
        edits.insert_after_imports(statement("import torch"))
    return edits


def _keyword_setting(call: cst.Call) -> cst.BaseExpression | None:
    setting = keyword(call, _SETTING)
    return setting.value if setting is not None and kind_of(call) in ("DataLoader", "dict") else None


def _option_default(call: cst.Call) -> cst.BaseExpression | None:
    """The default of `parser.add_argument("--pin-memory", ..., default=True)`."""
    if kind_of(call) != "add_argument" or not positional(call):
        return None
    flag = positional(call)[0].value
    default = keyword(call, "default")
    named = isinstance(flag, cst.SimpleString) and flag.evaluated_value in _OPTIONS
    return default.value if named and default is not None else None


def _is_setting_key(key: cst.BaseExpression | None) -> bool:
    return isinstance(key, cst.SimpleString) and key.evaluated_value == _SETTING


def _constant_value(script: Script, value: cst.BaseExpression) -> cst.BaseExpression:
    """For a module constant (`PIN_MEMORY = True`), the value it was assigned: the setting is made there."""
    if not isinstance(value, cst.Name) or not value.value.isupper():
        return value
    assigned = [node.value for node in script.nodes(cst.Assign)
                if any(dotted(target.target) == value.value for target in node.targets)]
    return assigned[-1] if len(assigned) == 1 else value


def _is_true(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "True"
