"""One part of a model converted to float16/bfloat16 (`model.encoder.half()`) while the rest stays
float32, then the model run outside autocast: at the border between the parts a float32 tensor meets
half weights (or the reverse), "mat1 and mat2 must have the same dtype, but got Float and Half"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls

name = "submodule-made-half"
LOW = ("half", "bfloat16")
LOW_DTYPES = ("torch.float16", "torch.half", "torch.bfloat16")


@needs_calls("half", "bfloat16", "to")
def check(code: Code) -> Iterator[Hit]:
    if "autocast" in code.source:
        return
    for call in code.calls_of(*LOW, "to"):
        part = _converted_part(code, call)
        if part is None:
            continue
        model = part.rpartition(".")[0]
        run = next((c for c in code.calls if dotted(c.func) == model and c.lineno > call.lineno), None)
        if run is not None and not _whole_model_converted(code, model):
            yield Hit.at(code, call, f"{source_of(call)} makes only {part} low precision; {model} runs (line "
                         f"{run.lineno}) with its other layers still float32, so their tensors meet at the border: "
                         f"convert the whole {model}, or run it under torch.autocast", {"module": part})


def _converted_part(code: Code, call: ast.Call) -> str | None:
    """`model.encoder` for a `model.encoder.half()` statement (or `.to(torch.bfloat16)`)."""
    if not (isinstance(call.func, ast.Attribute) and isinstance(code.parents.get(call), ast.Expr)):
        return None
    part = dotted(call.func.value)
    if part is None or "." not in part or part.startswith("self."):
        return None
    if kind_of(call) in LOW and not call.args:
        return part
    if kind_of(call) == "to" and any(dotted(a) in LOW_DTYPES for a in [*call.args, *(k.value for k in call.keywords)]):
        return part
    return None


def _whole_model_converted(code: Code, model: str) -> bool:
    return any(isinstance(c.func, ast.Attribute) and dotted(c.func.value) == model
               and (kind_of(c) in (*LOW, "float") or (kind_of(c) == "to" and "float" in source_of(c)))
               for c in code.calls_of(*LOW, "float", "to"))
