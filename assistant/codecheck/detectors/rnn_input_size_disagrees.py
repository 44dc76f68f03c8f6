"""An RNN whose input_size is not the width of what it is given: the Embedding or Linear before it
(`nn.Embedding(1000, 32)` into `nn.LSTM(64, ...)`), or a tensor whose last dim a comment declares
(`def forward(self, feats):  # feats: [B, frames, 40]` into `nn.LSTM(13, ...)`): "input.size(-1) must
be equal to input_size. Expected 13, got 40". A module pasted alone and never built in the paste is
judged on its __init__'s defaults, as it would be built."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._comment_shapes import declared_dims
from assistant.codecheck.detectors._signatures import file_modules
from assistant.codecheck.detectors._widths import KEEP_FEATURES, held_layer, int_value, links, out_width

name = "rnn-input-size-disagrees"
RECURRENT = ("LSTM", "GRU", "RNN")


@needs_calls(*RECURRENT)
def check(code: Code) -> Iterator[Hit]:
    seen = set()
    for hit in [*_after_layers(code), *_declared_inputs(code)]:
        if hit.line not in seen:  # a layer's width and a comment may both say it of one call
            seen.add(hit.line)
            yield hit


def _after_layers(code: Code) -> Iterator[Hit]:
    for link in links(code, ("Embedding", "Linear"), RECURRENT, KEEP_FEATURES):
        made, size = out_width(code, link.producer), argument(link.consumer, 0, "input_size")
        expected = _size(code, size)
        if made is None or made.value is None or expected is None or made.value == expected:
            continue
        yield Hit.at(code, link.at, f"{link.shown} receives {made.shown()} features per step from "
                     f"{source_of(link.producer)} (line {link.producer.lineno}) but its input_size {source_of(size)} "
                     f"is {expected}; build it with input_size={made.value}",
                     {"expected": str(expected), "got": str(made.value)})


def _declared_inputs(code: Code) -> Iterator[Hit]:
    for call in code.calls:
        given = call.args[0] if call.args else None
        if not isinstance(given, ast.Name) or (layer := held_layer(code, call.func, RECURRENT)) is None:
            continue
        dims = declared_dims(code, given)
        last = int(dims[-1]) if dims and dims[-1].isdigit() else None
        size = argument(layer, 0, "input_size")
        expected = _size(code, size)
        if last is None or expected is None or last == expected:
            continue
        yield Hit.at(code, call, f"{source_of(call.func)} ({source_of(layer)}, line {layer.lineno}) is given "
                     f"{given.id}, declared [{', '.join(dims)}]: {last} features per step, but its input_size "
                     f"{source_of(size)} is {expected}; build it with input_size={last}",
                     {"expected": str(expected), "got": str(last)})


def _size(code: Code, size: ast.expr | None) -> int | None:
    """The input_size's int: certain from the code, or the default of the __init__ parameter it is when
    the paste never builds the module (it is pasted alone, and built as its defaults say)."""
    if (value := int_value(code, size)) is not None or not isinstance(size, ast.Name):
        return value
    init = code.scope_of(size)
    cls = code.parents.get(init)
    if not (isinstance(init, ast.FunctionDef) and init.name == "__init__" and isinstance(cls, ast.ClassDef)) \
            or file_modules(code).get(cls.name) is not cls or code.assigned(init, size.id) \
            or any(n.id == cls.name for n in code.nodes_of(ast.Name)):
        return None
    positional = [a.arg for a in [*init.args.posonlyargs, *init.args.args]]
    defaults = dict(zip(positional[len(positional) - len(init.args.defaults):], init.args.defaults))
    default = constant(defaults.get(size.id))
    return default if isinstance(default, int) and not isinstance(default, bool) else None
