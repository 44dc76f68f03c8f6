"""The entry's first way out, "make the attention width match the features", for a model whose
other layers already say which width it has: the features are concatenated (token embedding and
position features), come from a bidirectional RNN (2 * hidden), or are otherwise `got` wide, and
the layers that read the attention's output (its LayerNorm, the residual's head, the next Linear)
were built for `got` features, while only the attention was given the narrower `embed_dim`.
Projecting the features down (project-to-embed-dim) would then also have to shrink those layers,
a model other than the one written; widening the attention is what was meant.

The attention's embed_dim (d_model of a Transformer layer) takes the spelling one of those layers
uses for `got` (`a.d_model + a.pos_dim`), so it follows the config as they do. Only when a layer
of the same function reads `got` features (a LayerNorm's shape, a Linear's in_features), none of
them reads `embed_dim` features (then the model is at embed_dim and the features are the odd
ones), and `got` divides into the attention's heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import attention_calls, conv_or_sequential_feeding, stacked_layer
from assistant.repair.recipes._edit import Edits, Script, calls_in, expr, keyword, kind_of, positional
from assistant.repair.recipes._values import integer

name = "attention-width-of-features"
_WIDTHS = {"MultiheadAttention": ("embed_dim", "num_heads"), "TransformerEncoderLayer": ("d_model", "nhead"),
           "TransformerDecoderLayer": ("d_model", "nhead")}
_READERS = {"LayerNorm": "normalized_shape", "RMSNorm": "normalized_shape", "Linear": "in_features"}


@dataclass(frozen=True)
class Found:
    width: cst.Arg  # the attention constructor's embed_dim / d_model argument
    spelling: str  # how a layer reading the features spells their width


@needs_calls(*_WIDTHS)
@needs_failing_line
def match(problem: Problem) -> Found | None:
    try:
        embed_dim, got = int(problem.facts.values["embed_dim"]), int(problem.facts.values["got"])
    except (KeyError, ValueError):
        return None
    script = problem.script
    calls = attention_calls(script, problem.facts.user_lines)
    if embed_dim == got or len(calls) != 1 or conv_or_sequential_feeding(script, calls[0][0]) is not None:
        return None
    layer = stacked_layer(script, calls[0][1]) or calls[0][1]
    if kind_of(layer) not in _WIDTHS:
        return None
    width_word, heads_word = _WIDTHS[kind_of(layer)]
    width, heads = _argument(layer, 0, width_word), _argument(layer, 1, heads_word)
    if width is None or heads is None or integer(script, width.value) != embed_dim:
        return None
    if not (count := integer(script, heads.value)) or got % count:
        return None
    readers = _readers(script, layer)
    at_got = [spelled for size, spelled in readers if size == got]
    if not at_got or any(size == embed_dim for size, _ in readers):
        return None
    return Found(width, at_got[0])


def apply(problem: Problem, found: Found) -> Edits:
    edits = problem.edits()
    edits.replace(found.width.value, expr(found.spelling))
    return edits


def _argument(call: cst.Call, index: int, word: str) -> cst.Arg | None:
    args = positional(call)
    return args[index] if len(args) > index else keyword(call, word)


def _readers(script: Script, layer: cst.Call) -> list[tuple[int | None, str]]:
    """(width, its spelling) of every norm and Linear built in the attention's function: the
    feature width each of them reads."""
    scope = script.function_of(layer) or script.module
    found = []
    for call in calls_in(scope):
        if (kind := kind_of(call)) in _READERS and (arg := _argument(call, 0, _READERS[kind])) is not None:
            found.append((integer(script, arg.value), script.code(arg.value)))
    return found
