"""Which layer constructor an error's sizes describe. A message such as `mat1 and mat2 shapes
cannot be multiplied (8x12 and 10x16)` or `weight of size [32, 16, 3, 3]` gives the failing
layer's sizes; the layer called on the failing line is often not it (`self.head(self.encoder(x))`
fails inside the encoder), so a layer there is taken only when its sizes do not contradict the
message, and otherwise the one layer whose sizes evaluate to exactly the message's.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes._edit import Edits, Script, callee, calls_in, expr, keyword, kind_of, positional
from assistant.repair.recipes._values import integer


def failed_layer(script: Script, lines: Sequence[int], kinds: Sequence[str], arguments: Sequence[str],
                 sizes: Sequence[int]) -> cst.Call | None:
    """The constructor (of these kinds) whose leading `arguments` hold `sizes`."""
    layers = script.constructors(kinds)
    shapes = {layer: layer_sizes(script, layer, arguments) for layer in layers}
    for layer in called_at_failure(script, lines, kinds):
        if all(size in (None, wanted) for size, wanted in zip(shapes[layer], sizes)):
            return layer
    exact = [layer for layer in layers if shapes[layer] == tuple(sizes)]
    return exact[0] if len(exact) == 1 else None


def called_at_failure(script: Script, lines: Sequence[int], kinds: Sequence[str]) -> list[cst.Call]:
    """The constructors of the layers (of these kinds) called on the failing lines, innermost first."""
    found: list[cst.Call] = []
    for line in reversed(lines):
        for call in script.calls_on(line):
            if (target := callee(call)) and (built := script.built_from(target, kinds)) and built not in found:
                found.append(built)
    return found


def argument(layer: cst.Call, index: int, word: str) -> cst.Arg | None:
    """The constructor's argument at this position or under this keyword."""
    args = positional(layer)
    return args[index] if len(args) > index else keyword(layer, word)


def layer_sizes(script: Script, layer: cst.Call, arguments: Sequence[str]) -> tuple[int | None, ...]:
    """The integers the leading arguments hold (None where unknown)."""
    found = [argument(layer, index, word) for index, word in enumerate(arguments)]
    return tuple(integer(script, arg.value) if arg is not None else None for arg in found)


def with_size(edits: Edits, size_argument: cst.Arg, size: int) -> Edits:
    """The constructor's size argument rewritten to the size the message says the layer receives."""
    edits.replace(size_argument.value, cst.Integer(str(size)))
    return edits


def spelled_size(script: Script, layer: cst.Call, size: int) -> cst.BaseExpression:
    """How the code near the layer already spells this size: a layer argument in the same function
    (`FF`, `2 * hidden`) that holds it, so that a new size follows the config as its neighbours do;
    else the number itself."""
    scope = script.function_of(layer) or script.module
    constructors = [call for call in calls_in(scope) if call is not layer and kind_of(call)[:1].isupper()]
    for call in constructors:
        for arg in call.args:
            if not isinstance(arg.value, cst.Integer) and integer(script, arg.value) == size:
                return expr(script.code(arg.value))
    return cst.Integer(str(size))


def with_spelled_size(edits: Edits, layer: cst.Call, size_argument: cst.Arg, size: int) -> Edits:
    """with_size, the size written as the layer's neighbours write it (spelled_size)."""
    edits.replace(size_argument.value, spelled_size(edits.script, layer, size))
    return edits
