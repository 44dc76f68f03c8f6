"""An optimizer given a learning rate that is a string: a quoted literal, or an argparse option
declared without `type=float` ("'<=' not supported between instances of 'float' and 'str'")."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls

name = "lr-not-a-number"
NUMERIC = ("lr", "weight_decay", "momentum", "eps")


OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS")


@needs_calls(*OPTIMIZERS)
def check(code: Code) -> Iterator[Hit]:
    options = _untyped_options(code)
    for call in code.calls_of(*OPTIMIZERS):
        if not (code.resolved(call.func) or "").startswith("torch.optim."):
            continue
        for argument in NUMERIC:
            value = keyword(call, argument)
            if isinstance(constant(value), str):
                yield Hit.at(code, value, f"{argument}={source_of(value)} is a string: optimizers compare it with "
                             f"numbers; write {argument}={constant(value)}")  # type: ignore[arg-type]
            elif isinstance(value, ast.Attribute) and value.attr in options:
                yield Hit.at(code, value, f"{argument}={source_of(value)} is a string when given on the command line: "
                             f"--{options[value.attr]} is declared without type=float (line "
                             f"{_line_of(code, options[value.attr])})")


def _untyped_options(code: Code) -> dict[str, str]:
    """argparse options declared without type= (nor an action): {dest: option}, e.g. {"lr": "lr"}.
    Their values are strings whenever they are given on the command line."""
    found = {}
    for call in code.calls_of("add_argument"):
        if not isinstance(call.func, ast.Attribute):
            continue
        flags = [str(constant(a)) for a in call.args if isinstance(constant(a), str) and str(constant(a)).startswith("--")]
        if flags and keyword(call, "type") is None and keyword(call, "action") is None:
            dest = constant(keyword(call, "dest"))
            found[(dest if isinstance(dest, str) else flags[0][2:]).replace("-", "_")] = flags[0][2:]
    return found


def _line_of(code: Code, option: str) -> int:
    return next(c.lineno for c in code.calls if any(constant(a) == f"--{option}" for a in c.args))
