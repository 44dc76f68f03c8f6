"""What the attention recipes share: which layers run multi-head attention, and which argument of
their call is the attention mask (the keyword, or the position the layer's forward gives it)."""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes._edit import Script, callee, keyword, kind_of, positional

ATTENTION = ("MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
             "TransformerEncoder", "TransformerDecoder", "Transformer")
# each attention mask keyword, and the padding-mask keyword of the same attention
PADDING_KEYWORD = {"attn_mask": "key_padding_mask", "src_mask": "src_key_padding_mask",
                   "mask": "src_key_padding_mask", "tgt_mask": "tgt_key_padding_mask",
                   "memory_mask": "memory_key_padding_mask"}
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
