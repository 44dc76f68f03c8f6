"""A 4-D attention mask, (batch, heads, L, S) or one with broadcast axes such as Hugging Face's
(batch, 1, 1, S) or (batch, 1, L, S), is what `F.scaled_dot_product_attention` and hand-written
attention take; `nn.MultiheadAttention` and the Transformer layers reject it: their 3-D mask is
(batch * num_heads, L, S), one (L, S) mask per sample and head, sample-major.
`mask.expand(-1, heads, L, -1).flatten(0, 1)` gives exactly that from every such layout: expand
fills the broadcast axes (and keeps full ones), flatten folds the head axis into the batch axis in
the order the attention reads it (index = sample * heads + head). The values are kept, so a float
mask stays additive and a boolean one keeps True for the keys to ignore. L is read from the query
at run time, so batches of every length get their own size.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import ATTENTION, attention_calls, mask_argument, query_length, stacked_layer
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, keyword, kind_of, positional
from assistant.repair.recipes._values import integer

name = "fold-mask-heads"
_FOUR_D = "`attn_mask` to be `None`, 2-D or 3-D but found 4-D"
# where each layer's constructor takes num_heads, and where its built module keeps it
_HEADS_ARGUMENT = {"MultiheadAttention": ("num_heads", 1), "TransformerEncoderLayer": ("nhead", 1),
                   "TransformerDecoderLayer": ("nhead", 1), "Transformer": ("nhead", 1)}
_HEADS_ATTRIBUTE = {"MultiheadAttention": "num_heads", "TransformerEncoderLayer": "self_attn.num_heads",
                    "TransformerDecoderLayer": "self_attn.num_heads",
                    "TransformerEncoder": "layers[0].self_attn.num_heads",
                    "TransformerDecoder": "layers[0].self_attn.num_heads",
                    "Transformer": "encoder.layers[0].self_attn.num_heads"}
_SELF_ATTENTION = ("TransformerEncoderLayer", "TransformerEncoder")


@needs_calls(*ATTENTION)
@needs_failing_line
def match(problem: Problem) -> tuple[cst.Arg, str, str] | None:
    """The failing call's one 4-D mask argument, its layer's number of heads and the query's length."""
    if _FOUR_D not in problem.facts.message:
        return None
    script = problem.script
    found = [(arg, heads, length) for call, built in attention_calls(script, problem.facts.user_lines)
             if (mask := mask_argument(call, built)) is not None and (arg := mask[1])
             and (heads := _heads(script, call, built)) is not None
             and (length := _length(script, call, built, arg.value)) is not None]
    return found[0] if len(found) == 1 and not _folded(found[0][0].value) else None


def apply(problem: Problem, found: tuple[cst.Arg, str, str]) -> Edits:
    mask, heads, length = found
    script = problem.script
    text = script.code(mask.value)
    text = text if isinstance(mask.value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) else f"({text})"
    folded = f"{text}.expand(-1, {heads}, {length}, -1).flatten(0, 1)"
    if _optional(script, mask.value):
        folded = f"None if {text} is None else {folded}"
    edits = problem.edits()
    edits.replace(mask.value, expr(folded))
    return edits


def _heads(script: Script, call: cst.Call, built: cst.Call) -> str | None:
    """num_heads as a number when the constructor's value is known, else read from the called
    module (`attn.num_heads`, `encoder.layers[0].self_attn.num_heads`)."""
    layer = stacked_layer(script, built) or built
    if (spot := _HEADS_ARGUMENT.get(kind_of(layer))) is not None:
        given = keyword(layer, spot[0]) or (positional(layer)[spot[1]:spot[1] + 1] or [None])[0]
        if given is not None and (value := integer(script, given.value)) is not None:
            return str(value)
    module, attribute = callee(call), _HEADS_ATTRIBUTE.get(kind_of(built))
    return f"{module}.{attribute}" if module is not None and attribute is not None else None


def _length(script: Script, call: cst.Call, built: cst.Call, mask: cst.BaseExpression) -> str | None:
    """The query's length read from the query (see query_length), or, in an encoder's
    self-attention (L = S) whose input is an expression, from the mask's own key axis."""
    if (length := query_length(script, call, built)) is not None:
        return length
    text = dotted(mask)
    return f"{text}.size(-1)" if text is not None and kind_of(built) in _SELF_ATTENTION else None


def _optional(script: Script, mask: cst.BaseExpression) -> bool:
    """Whether the mask is a parameter of the calling function that defaults to None (the
    function is also called without a mask, which must stay None)."""
    function = script.function_of(mask)
    if function is None or (name := dotted(mask)) is None:
        return False
    params = [*function.params.params, *function.params.kwonly_params]
    return any(param.name.value == name and param.default is not None
               and script.code(param.default) == "None" for param in params)


def _folded(mask: cst.BaseExpression) -> bool:
    """Whether the mask is already flattened where it is passed (by this recipe in an earlier round)."""
    return (isinstance(mask, cst.Call) and isinstance(mask.func, cst.Attribute)
            and mask.func.attr.value == "flatten")
