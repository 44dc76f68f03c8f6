"""nn.MultiheadAttention / nn.TransformerEncoderLayer / nn.TransformerDecoderLayer / nn.Transformer built
with an embedding width that the number of heads does not divide (`d_model=100, nhead=8`): the layer cuts
embed_dim into num_heads equal slices and asserts "embed_dim must be divisible by num_heads" when built."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, has_star_arguments, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._widths import Width, torch_layer, width

name = "heads-do-not-divide-embed-dim"
# kind -> (width parameter, heads parameter, their defaults when the layer has them)
LAYERS = {"MultiheadAttention": ("embed_dim", "num_heads", None),
          "TransformerEncoderLayer": ("d_model", "nhead", None),
          "TransformerDecoderLayer": ("d_model", "nhead", None),
          "Transformer": ("d_model", "nhead", (512, 8))}


@needs_calls(*LAYERS)
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*LAYERS):
        kind = kind_of(call)
        if not torch_layer(code, call, (kind,)) or has_star_arguments(call):
            continue
        size_name, heads_name, defaults = LAYERS[kind]
        size, heads = _given(code, call, 0, size_name, defaults), _given(code, call, 1, heads_name, defaults)
        if size is None or heads is None or size.value is None or heads.value is None or heads.value <= 0 \
                or size.value <= 0 or size.value % heads.value == 0:
            continue
        e, h = size.value, heads.value
        divisors = [d for d in range(1, min(e, 64) + 1) if e % d == 0]
        wider = -(-e // h) * h
        shown = [_shown(w, p, argument(call, i, p) is None)
                 for i, (w, p) in enumerate([(size, size_name), (heads, heads_name)])]
        yield Hit.at(code, call, f"{source_of(call)}: {shown[0]} is not divisible by {shown[1]} ({e} / {h} = {e / h:g}), and the heads split {size_name} into equal slices; "
                     f"use a number of heads that divides {e} ({', '.join(map(str, divisors))}), or project the "
                     f"features to a multiple of {h} (e.g. nn.Linear({e}, {wider})) first",
                     {size_name: str(e), heads_name: str(h)})


def _given(code: Code, call: ast.Call, index: int, parameter: str, defaults: tuple[int, int] | None) -> Width | None:
    """The size as the call gives it, or the layer's default when it has one (nn.Transformer's 512 and 8)."""
    given = argument(call, index, parameter)
    if given is not None:
        return width(code, given)
    return Width(ast.Constant(defaults[index]), defaults[index]) if defaults is not None else None


def _shown(size: Width, parameter: str, defaulted: bool) -> str:
    """`d_model FEATURES = 100`, `d_model = 100` when the name is the parameter's, `nhead 8 (its default)`."""
    if defaulted:
        return f"{parameter} {size.value} (its default)"
    spelled = source_of(size.node)
    return f"{parameter} = {size.value}" if spelled == parameter else f"{parameter} {size.shown()}"
