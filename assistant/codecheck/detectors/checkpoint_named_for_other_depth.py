"""A model built with one number of layers (`num_layers=6`, or an argparse option defaulting to 6)
strictly loading a checkpoint whose path says it holds another ("exp/conformer_12layer/final.pt"):
the extra or missing blocks' keys make load_state_dict fail with missing / unexpected keys."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._checkpoints import torch_load
from assistant.codecheck.detectors._two_configs import is_strict
from assistant.codecheck.detectors._unpacked import known_value

name = "checkpoint-named-for-other-depth"
DEPTH_KEYWORDS = ("num_layers", "n_layers", "layers", "depth", "num_blocks", "n_blocks", "num_hidden_layers",
                  "num_encoder_layers")
DEPTH_IN_PATH = re.compile(r"(?:^|[^a-z0-9.])(\d+)[-_]?(?:layers?|blocks?)(?![a-z])", re.I)  # 12layer, L_6_blocks


@needs_calls("load_state_dict")
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of("load_state_dict"):
        if not (isinstance(call.func, ast.Attribute) and call.args and is_strict(call)):
            continue
        depth = _built_depth(code, call.func.value)
        load = torch_load(code, call.args[0])
        path = _text(code, argument(load, 0, "f")) if load is not None else None
        if depth is None or path is None:
            continue
        named = {int(count) for count in DEPTH_IN_PATH.findall(path)}
        if len(named) == 1 and depth[0] not in named:
            layers = named.pop()
            yield Hit.at(code, call, f"{source_of(call)} loads {path!r}, whose path says {layers} layers, into a model "
                         f"built with {depth[1]} = {depth[0]}: the blocks of one are missing from the other, so "
                         f"load_state_dict reports missing or unexpected keys; build it with {layers} layers",
                         {"layers": str(layers)})


def _built_depth(code: Code, model: ast.expr) -> tuple[int, str] | None:
    """(the number of layers, how it is given) of a model built as `Net(num_layers=N, ...)`."""
    built = known_value(code, model) if isinstance(model, ast.Name) else None
    if not isinstance(built, ast.Call):
        return None
    given = next(((k.arg, k.value) for k in built.keywords if k.arg in DEPTH_KEYWORDS), None)
    if given is None:
        return None
    value = _value(code, given[1])
    return (value, given[0]) if isinstance(value, int) and not isinstance(value, bool) else None


def _text(code: Code, value: ast.expr | None) -> str | None:
    found = _value(code, value)
    return found if isinstance(found, str) else None


def _value(code: Code, value: ast.expr | None) -> object:
    """A constant, through plain names and an argparse option's default (`args.ckpt`)."""
    value = known_value(code, value)
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and _is_parsed_args(code, value.value):
        return _argparse_default(code, value.attr)
    return constant(value) if isinstance(value, ast.Constant) else None


def _is_parsed_args(code: Code, name: ast.Name) -> bool:
    made = known_value(code, name)
    return isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and made.func.attr == "parse_args"


def _argparse_default(code: Code, dest: str) -> object:
    """The default of the one `add_argument("--dest", default=...)` of the file, when it is a constant."""
    found = [call for call in code.calls_of("add_argument") if _dest(call) == dest]
    if len(found) != 1 or (default := keyword(found[0], "default")) is None:
        return None
    return constant(default) if isinstance(default, ast.Constant) else None


def _dest(call: ast.Call) -> str | None:
    given = constant(keyword(call, "dest"))
    if isinstance(given, str):
        return given
    flags = [str(constant(a)) for a in call.args if isinstance(constant(a), str) and str(constant(a)).startswith("--")]
    return flags[0][2:].replace("-", "_") if flags else None
