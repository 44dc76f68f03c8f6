"""What the attention recipes share: which layers run multi-head attention, and which argument of
their call is the attention mask (the keyword, or the position the layer's forward gives it)."""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes._edit import Script, callee, dotted, keyword, kind_of, positional

ATTENTION = ("MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
             "TransformerEncoder", "TransformerDecoder", "Transformer")
# each attention mask keyword, and the padding-mask keyword of the same attention
PADDING_KEYWORD = {"attn_mask": "key_padding_mask", "src_mask": "src_key_padding_mask",
                   "mask": "src_key_padding_mask", "tgt_mask": "tgt_key_padding_mask",
                   "memory_mask": "memory_key_padding_mask"}
_QUERY_KEYWORDS = ("query", "src", "tgt")
_STACKS = ("TransformerEncoder", "TransformerDecoder")
_STACKED = ("TransformerEncoderLayer", "TransformerDecoderLayer")
_CONVS = ("Conv1d", "Conv2d", "Conv3d")
_MASK_POSITION = {"TransformerEncoderLayer": ("src_mask", 1), "TransformerEncoder": ("mask", 1)}


def attention_calls(script: Script, lines: tuple[int, ...]) -> list[tuple[cst.Call, cst.Call]]:
    """(call, constructor) of every attention layer called on the innermost failing line that calls one."""
    for line in reversed(lines):
        found = [(call, built) for call in script.calls_on(line)
                 if (layer := callee(call)) and (built := script.built_from(layer, ATTENTION)) is not None]
        if found:
            return found
    return []


def mask_argument(call: cst.Call, built: cst.Call) -> tuple[str, cst.Arg] | None:
    """The one attention mask the call passes, with the keyword it stands for; None when it passes
    several (the message does not say which one is wrong) or none."""
    given = [(word, arg) for word in PADDING_KEYWORD if (arg := keyword(call, word)) is not None]
    if (slot := _MASK_POSITION.get(kind_of(built))) is not None and len(positional(call)) > slot[1]:
        given.append((slot[0], positional(call)[slot[1]]))
    return given[0] if len(given) == 1 else None


_PADDING_POSITION = {"MultiheadAttention": ("key_padding_mask", 3), "TransformerEncoderLayer": ("src_key_padding_mask", 2),
                     "TransformerEncoder": ("src_key_padding_mask", 2)}


def padding_argument(call: cst.Call, built: cst.Call) -> tuple[str, cst.Arg] | None:
    """The one padding mask the call passes, with its keyword; None when it passes several or none."""
    given = [(word, arg) for word in dict.fromkeys(PADDING_KEYWORD.values()) if (arg := keyword(call, word)) is not None]
    if (slot := _PADDING_POSITION.get(kind_of(built))) is not None and len(positional(call)) > slot[1]:
        given.append((slot[0], positional(call)[slot[1]]))
    return given[0] if len(given) == 1 else None


def query_argument(call: cst.Call) -> cst.Arg | None:
    """The attention's query (MultiheadAttention) or input (`src`/`tgt` of the Transformer layers)."""
    args = positional(call)
    return args[0] if args else next((arg for word in _QUERY_KEYWORDS if (arg := keyword(call, word))), None)


def query_source(script: Script, call: cst.Call) -> cst.BaseExpression | None:
    """What the call's query (a plain name) was last assigned from before it, in the calling function."""
    query = query_argument(call)
    function = script.function_of(call)
    if query is None or not isinstance(query.value, cst.Name):
        return None
    line = script.span(call)[0]
    sources = [node.value for node in script.nodes(cst.Assign)
               if script.function_of(node) is function and script.span(node)[1] < line
               and any(dotted(target.target) == query.value.value for target in node.targets)]
    return sources[-1] if sources else None


def conv_feeding(script: Script, call: cst.Call) -> cst.Call | None:
    """The constructor of the convolution whose output the query was last assigned from in the
    calling function (a channels-first [batch, channels, length] tensor), if any."""
    source = query_source(script, call)
    if source is None:
        return None
    convs = [built for inner in script.nodes(cst.Call) if _inside(script, inner, source)
             and (target := callee(inner)) and (built := script.built_from(target, _CONVS)) is not None]
    return convs[0] if convs else None


# layers that keep their input's layout: what follows the last conv of a Sequential leaves it channels-first
_LAYOUT_KEEPING = ("ReLU", "GELU", "SiLU", "Tanh", "Sigmoid", "LeakyReLU", "ELU", "Mish", "Hardswish",
                   "Dropout", "Dropout1d", "BatchNorm1d", "InstanceNorm1d", "GroupNorm", "Identity")


def conv_or_sequential_feeding(script: Script, call: cst.Call) -> cst.Call | None:
    """conv_feeding, also through an `nn.Sequential` front end (`feats = self.frontend(x)`) whose
    last layer that changes the layout is a convolution (activations, dropout and batch norms after
    it keep [batch, channels, length]): the constructor of that convolution."""
    if (conv := conv_feeding(script, call)) is not None or (source := query_source(script, call)) is None:
        return conv
    for inner in script.nodes(cst.Call):
        if _inside(script, inner, source) and (target := callee(inner)) \
                and (built := script.built_from(target, ("Sequential",))) is not None:
            layers = [arg.value for arg in positional(built)]
            while layers and isinstance(layers[-1], cst.Call) and kind_of(layers[-1]) in _LAYOUT_KEEPING:
                layers.pop()
            if layers and isinstance(layers[-1], cst.Call) and kind_of(layers[-1]) in _CONVS:
                return layers[-1]
    return None


def stacked_layer(script: Script, built: cst.Call) -> cst.Call | None:
    """The layer a TransformerEncoder/Decoder stacks, when built in the same function (so that
    its spelling of d_model is in scope where the projection goes)."""
    args = positional(built)
    if kind_of(built) not in _STACKS or not args or not isinstance(args[0].value, cst.Name):
        return None
    layer = script.built_from(args[0].value.value, _STACKED)
    return layer if layer is not None and script.function_of(layer) is script.function_of(built) else None


def _inside(script: Script, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    return node is container or container in script.ancestors(node)


def query_length(script: Script, call: cst.Call, built: cst.Call) -> str | None:
    """`x.size(1)` (batch_first) or `x.size(0)` for the query `x` of the call, read at run time
    so that batches of every length get it; None when the query is not a name or the layer's
    batch_first is not spelled True or False."""
    query = query_argument(call)
    if query is None or (text := dotted(query.value)) is None:
        return None
    flag = keyword(stacked_layer(script, built) or built, "batch_first")
    if flag is not None and script.code(flag.value) not in ("True", "False"):
        return None
    return f"{text}.size({1 if flag is not None and script.code(flag.value) == 'True' else 0})"
