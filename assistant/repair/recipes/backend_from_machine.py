"""NCCL, the GPU collective library, is compiled only into Linux CUDA builds of torch; on Windows,
macOS or any CPU-only build a process group hard-coded to "nccl" cannot start, while gloo runs
everywhere. The documented fix chooses the backend from what the machine offers, so the same
script keeps NCCL on the GPU servers it was written for. The recipe writes that choice where the
backend name is written: in the `init_process_group` call, in the constant it passes (a name, or a
key of a config dict written in the file, also one handed to the setup function as a parameter), as the default of the setup function's parameter that
passes it, or as the default of a `--backend` option.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import (Edits, Script, dotted, expr, imported_modules, keyword, kind_of,
                                            positional, statement)
from assistant.repair.recipes._values import settings

name = "backend-from-machine"
CHOSEN = '"nccl" if torch.cuda.is_available() and torch.distributed.is_nccl_available() else "gloo"'
_OPTIONS = ("--backend", "--dist-backend", "--dist_backend")


@needs_calls("init_process_group")
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The "nccl" literals that name the process group's backend."""
    script = problem.script
    found = [literal for call in script.constructors(["init_process_group"])
             for literal in _nccl_literals(script, _backend_argument(call), call)]
    found += [default for call in script.constructors(["add_argument"]) if (default := _option_default(call))]
    return list(dict.fromkeys(found)) or None


def apply(problem: Problem, literals: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for literal in literals:
        edits.replace(literal, expr(CHOSEN))
    if "torch" not in imported_modules(problem.script):
        edits.insert_after_imports(statement("import torch"))
    return edits


def _backend_argument(call: cst.Call) -> cst.BaseExpression | None:
    given = keyword(call, "backend")
    if given is not None:
        return given.value
    first = positional(call)[:1]
    return first[0].value if first else None


def _nccl_literals(script: Script, backend: cst.BaseExpression | None, at: cst.Call) -> list[cst.BaseExpression]:
    """The "nccl" literal the backend argument names (see _nccl_literal), else, for a config
    read through a parameter (`cfg["backend"]` with `cfg` passed a module-level dict, `cfg.backend`
    of a config class), every "nccl" the setting may hold, when it holds nothing but literals."""
    if (literal := _nccl_literal(script, backend, at)) is not None:
        return [literal]
    if not isinstance(backend, (cst.Subscript, cst.Attribute)):
        return []
    held = settings(script, backend)
    if not held or not all(isinstance(value, cst.SimpleString) for value in held):
        return []
    return [value for value in held if _is_nccl(value)]


def _nccl_literal(script: Script, backend: cst.BaseExpression | None, at: cst.Call) -> cst.BaseExpression | None:
    """The literal "nccl" itself (or `Backend.NCCL`), the default in `os.environ.get("BACKEND", "nccl")`,
    or the one a constant (`BACKEND = "nccl"`) was assigned. A choice the code already makes
    (`"nccl" if ... else "gloo"`) is left to the user."""
    if _is_nccl(backend):
        return backend
    if isinstance(backend, cst.Call) and kind_of(backend) == "get" and len(positional(backend)) == 2 \
            and _is_nccl(positional(backend)[1].value):
        return positional(backend)[1].value
    if isinstance(backend, cst.Name):
        if (default := _parameter_default(script, backend.value, at)) is not None:
            return default if _is_nccl(default) else None
        assigned = _assigned(script, backend.value, at)
        if assigned and _is_nccl(assigned[-1]):
            return assigned[-1]
    if isinstance(backend, cst.Subscript) and isinstance(backend.value, cst.Name) and len(backend.slice) == 1 \
            and isinstance(index := backend.slice[0].slice, cst.Index) and isinstance(index.value, cst.SimpleString):
        assigned = _assigned(script, backend.value.value, at)
        if assigned and isinstance(assigned[-1], cst.Dict):
            values = [element.value for element in assigned[-1].elements if isinstance(element, cst.DictElement)
                      and isinstance(element.key, cst.SimpleString)
                      and element.key.evaluated_value == index.value.evaluated_value]
            if len(values) == 1 and _is_nccl(values[0]):
                return values[0]
    return None


def _assigned(script: Script, name: str, at: cst.Call) -> list[cst.BaseExpression]:
    """The values `name = ...` assigned before the call, in order."""
    return [node.value for node in script.nodes(cst.Assign) if script.span(node)[0] < script.span(at)[0]
            and any(dotted(target.target) == name for target in node.targets)]


def _parameter_default(script: Script, name: str, at: cst.Call) -> cst.BaseExpression | None:
    """The default of the enclosing function's parameter `name` (`def setup(rank, backend="nccl")`),
    when the function never rebinds it and no call of it passes that argument."""
    function = script.function_of(at)
    params = list(function.params.params) + list(function.params.kwonly_params) if function is not None else []
    param = next((p for p in params if p.name.value == name), None)
    if param is None or param.default is None:
        return None
    rebound = any(dotted(target.target) == name for node in script.nodes(cst.Assign) for target in node.targets
                  if function in script.ancestors(node))
    position = params.index(param) if param in function.params.params else None
    if position is not None and params[0].name.value in ("self", "cls"):
        position -= 1  # `self.setup(rank)` does not pass self
    passed = any(keyword(call, name) is not None or (position is not None and len(positional(call)) > position)
                 for call in script.calls() if kind_of(call) == function.name.value)
    return None if rebound or passed else param.default


def _option_default(call: cst.Call) -> cst.SimpleString | None:
    """The default of `parser.add_argument("--backend", default="nccl")`."""
    flags = [arg.value for arg in positional(call)]
    default = keyword(call, "default")
    named = any(isinstance(flag, cst.SimpleString) and flag.evaluated_value in _OPTIONS for flag in flags)
    return default.value if named and default is not None and _is_nccl(default.value) else None


def _is_nccl(node: cst.BaseExpression | None) -> bool:
    if isinstance(node, cst.Attribute):
        return node.attr.value == "NCCL" and (dotted(node.value) or "").endswith("Backend")
    return isinstance(node, cst.SimpleString) and node.evaluated_value == "nccl"
