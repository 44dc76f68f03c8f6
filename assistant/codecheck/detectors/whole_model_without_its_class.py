"""A whole pickled model (`torch.save(model, path)` elsewhere) loaded with `torch.load(path,
weights_only=False)` and used as a model, by a script that neither defines a class nor imports
anything but the standard library and well-known packages: unpickling looks the model's class up
where it was saved from (train.py's `__main__`, a `models` package), and this script has none, "Can't
get attribute 'Net' on <module '__main__'>". A script that defines or imports its own classes may hold
the one the pickle names, and is left alone."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._fragments import whole_program
from assistant.codecheck.detectors._imports import KNOWN_PACKAGES, only_known_imports

name = "whole-model-without-its-class"
MODULE_METHODS = ("eval", "train", "to", "cuda", "cpu", "parameters", "named_parameters", "half", "float", "forward",
                  "modules", "children", "requires_grad_")
# packages whose classes a pickle may name and import by itself: a script using them may load their models
_MODEL_LIBRARIES = frozenset({"torchvision", "torchaudio", "torchtext"})


@needs_calls("load")
def check(code: Code) -> Iterator[Hit]:
    if code.classes or not whole_program(code) or not only_known_imports(code, KNOWN_PACKAGES - _MODEL_LIBRARIES):
        return
    for load in calls_to(code, "torch.load"):
        statement = code.parents.get(load)
        if constant(keyword(load, "weights_only")) is not False or not isinstance(statement, ast.Assign) \
                or len(statement.targets) != 1 or not isinstance(target := statement.targets[0], ast.Name):
            continue
        use = _used_as_model(code, target.id, statement)
        if use is not None:
            yield Hit.at(code, load, f"{target.id} = {source_of(load)} unpickles a whole model ({source_of(use)}, "
                         f"line {use.lineno}), whose class this script neither defines nor imports: unpickling "
                         "looks it up where it was saved from (Can't get attribute 'Net' on <module '__main__'>); "
                         "save the state_dict instead, or import the class from a module both scripts share",
                         {"model": target.id})


def _used_as_model(code: Code, model: str, bound: ast.Assign) -> ast.Call | None:
    """The first call after the binding that treats the name as a module: `model(x)`, `model.eval()`."""
    for call in code.calls:
        if call.lineno <= bound.lineno or code.scope_of(call) is not code.scope_of(bound):
            continue
        func = call.func
        if isinstance(func, ast.Name) and func.id == model or isinstance(func, ast.Attribute) \
                and isinstance(func.value, ast.Name) and func.value.id == model and func.attr in MODULE_METHODS:
            return call
    return None
