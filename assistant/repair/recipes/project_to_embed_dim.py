"""MultiheadAttention (and the Transformer layers, whose d_model is the attention's embed_dim)
projects the query with an [embed_dim, embed_dim] weight, so the query's last dimension must be
embed_dim. When the features come from a layer of another width (an Embedding, a backbone, an
earlier projection), the entry's fix is a learned `nn.Linear(features, embed_dim)` in front of the
attention: the projection is created next to the attention layer (so it belongs to the same model
and optimizer) and applied to the query where the attention is called.

Channels-first features (a Conv1d output [batch, channels, length]) also trip this check, but there
the length is what the message calls the width; projecting it would run and mean nothing, so
those programs are left to the conv-features-last recipe.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Facts, Problem, needs_calls, needs_failing_line
from assistant.repair.recipes._attention import ATTENTION, conv_or_sequential_feeding, query_argument, stacked_layer
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import (
    Edits, Script, callee, expr, free_name, keyword, kind_of, positional, statement,
)
from assistant.repair.recipes._values import integer

name = "project-to-embed-dim"
_WIDTH_FIRST = ("MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer", "Transformer")
_WIDTH_KEYWORDS = ("embed_dim", "d_model")
_PRODUCERS = {"Embedding": "embedding_dim", "Linear": "out_features"}


@dataclass(frozen=True)
class Found:
    call: cst.Call  # the failing attention call, `self.attn(x, x, x)`
    layer: str  # what it calls, `self.attn`
    built: cst.SimpleStatementLine  # the statement that builds the attention layer
    width: str  # the constructor's embed_dim as the user wrote it (`d_model`), or the number
    features: str  # the query's actual width: the producing layer's spelling of it, or the number
    query: cst.Arg  # the input to project: the query, or the src/tgt of nn.Transformer that is off


@needs_calls(*ATTENTION)
@needs_failing_line
def match(problem: Problem) -> Found | None:
    """The attention call on the innermost failing line, with how its layer was built."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            layer = callee(call)
            built = script.built_from(layer, ATTENTION) if layer else None
            if built is None or query_argument(call) is None:
                continue
            holder = script.statement_of(built)
            if not isinstance(holder, cst.SimpleStatementLine) or conv_or_sequential_feeding(script, call) is not None:
                return None
            found = _sizes(problem.facts, call) or _transformer_sizes(script, call, built)
            if found is None:
                return None
            (embed_dim, features), query = found
            width = _width(script, built, embed_dim)
            return Found(call, layer, holder, width, _features(script, query.value, holder, features), query)
    return None


def apply(problem: Problem, found: Found) -> Edits:
    script, edits = problem.script, problem.edits()
    projection = free_name(script, f"{found.layer}_proj")
    edits.insert_after(found.built, statement(f"{projection} = {script.nn}.Linear({found.features}, {found.width})\n"))
    _train_with_layer(script, edits, found, projection)
    query = found.query.value
    failing = script.statement_of(found.call)
    if isinstance(query, cst.Name) and isinstance(failing, cst.SimpleStatementLine):
        edits.insert_before(failing, statement(f"{query.value} = {projection}({query.value})\n"))
        return edits
    text = script.code(query)
    for arg in _inputs(found.call):  # query, and the key/value that are the same tensor
        if script.code(arg.value) == text:
            edits.replace(arg.value, expr(f"{projection}({text})"))
    return edits


def _train_with_layer(script: Script, edits: Edits, found: Found, projection: str) -> None:
    """A projection outside a module (a script's or function's own name) is in no model's
    parameters(): add it to every optimizer built after it from the attention layer's parameters,
    which would otherwise leave the projection at its random initial weights."""
    if found.layer.startswith("self."):
        return
    start, scope = script.span(found.built)[1], script.function_of(found.built)
    for optimizer in script.calls():
        params = positional(optimizer)[:1]
        if (script.span(optimizer)[0] > start and script.function_of(optimizer) is scope and params
                and _is_optimizer(optimizer) and f"{found.layer}.parameters()" in script.code(params[0].value)):
            edits.replace(params[0].value, _with_projection(params[0].value, projection))


def _is_optimizer(call: cst.Call) -> bool:
    name = callee(call) or ""
    return name.startswith(("torch.optim.", "optim.")) and ".lr_scheduler" not in name


def _with_projection(params: cst.BaseExpression, projection: str) -> cst.BaseExpression:
    """The optimizer's parameter argument with the projection's parameters added, in its own form:
    one more element of a list, or a list of both iterables."""
    extra = expr(f"[*{projection}.parameters()]")
    if isinstance(params, (cst.List, cst.Tuple)):
        return params.with_changes(elements=[*params.elements, extra.elements[0]])
    if isinstance(params, cst.BinaryOperation) and isinstance(params.operator, cst.Add):
        return cst.BinaryOperation(params, cst.Add(), expr(f"list({projection}.parameters())"))
    return cst.List([cst.StarredElement(params), extra.elements[0]])


def _inputs(call: cst.Call) -> list[cst.Arg]:
    """The query, key and value arguments, positional or by keyword."""
    given = [keyword(call, word) for word in ("query", "key", "value")]
    return positional(call)[:3] + [arg for arg in given if arg is not None]


def _sizes(facts: Facts, call: cst.Call) -> tuple[tuple[int, int], cst.Arg] | None:
    """(embed_dim the layer was built with, the query's width): the entry's placeholders."""
    try:
        embed_dim, features = int(facts.values["embed_dim"]), int(facts.values["got"])
    except (KeyError, ValueError):
        return None
    return ((embed_dim, features), query_argument(call)) if embed_dim != features else None


def _transformer_sizes(script: Script, call: cst.Call, built: cst.Call) -> tuple[tuple[int, int], cst.Arg] | None:
    """nn.Transformer's message names no sizes: (d_model, the width) of the one of src and tgt
    whose width, read from the Embedding or Linear that produced it, is not d_model."""
    spelled = keyword(built, "d_model") or (positional(built)[:1] or [None])[0]
    if kind_of(built) != "Transformer" or spelled is None or (d_model := integer(script, spelled.value)) is None:
        return None
    inputs = [keyword(call, word) or (positional(call)[index:index + 1] or [None])[0]
              for index, word in enumerate(("src", "tgt"))]
    off = [(width, arg) for arg in inputs if arg is not None
           and (width := _produced_width(script, arg.value)) is not None and width != d_model]
    return ((d_model, off[0][0]), off[0][1]) if len(off) == 1 else None


def _produced_width(script: Script, value: cst.BaseExpression) -> int | None:
    """The feature width of `embed(ids)` / `proj(x)`: the layer's embedding_dim or out_features."""
    layer = callee(value) if isinstance(value, cst.Call) else None
    built = script.built_from(layer, _PRODUCERS) if layer else None
    if built is None:
        return None
    given = keyword(built, _PRODUCERS[kind_of(built)]) or (positional(built)[1:2] or [None])[0]
    return integer(script, given.value) if given is not None else None


def _features(script: Script, query: cst.BaseExpression, holder: cst.SimpleStatementLine, features: int) -> str:
    """The query's width as the layer that produced it spells it (`emb_dim` of `nn.Embedding(vocab,
    emb_dim)` for `x = self.embed(tokens)`), when that layer is built in the same function as the
    attention, so the projection follows later changes of it; else the number from the message."""
    if isinstance(query, cst.Name) and (bound := assignment(script, query.value, query)) is not None:
        query = bound[1]
    layer = callee(query) if isinstance(query, cst.Call) else None
    built = script.built_from(layer, _PRODUCERS) if layer else None
    if built is None or script.function_of(built) is not script.function_of(holder):
        return str(features)
    given = keyword(built, _PRODUCERS[kind_of(built)]) or (positional(built)[1:2] or [None])[0]
    if given is None or not isinstance(given.value, (cst.Name, cst.Attribute)) \
            or integer(script, given.value) not in (None, features):
        return str(features)
    return script.code(given.value)


def _width(script: Script, built: cst.Call, embed_dim: int) -> str:
    """The constructor's own spelling of embed_dim, so the projection follows later changes of it."""
    for word in _WIDTH_KEYWORDS:
        if (arg := keyword(built, word)) is not None:
            return script.code(arg.value)
    args = positional(built)
    if kind_of(built) in _WIDTH_FIRST and args:
        return script.code(args[0].value)
    if (layer := stacked_layer(script, built)) is not None:
        return _width(script, layer, embed_dim)
    return str(embed_dim)
