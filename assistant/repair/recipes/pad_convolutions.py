"""Every unpadded convolution removes kernel - 1 pixels per axis, so a stack designed for one input
size runs out of pixels on smaller inputs and a deep conv meets a map smaller than its kernel. The
entry's fix keeps the size through the convolutions with `padding=kernel // 2`, so that only the
poolings (and strides) shrink it. Every unpadded conv of the failing kind gets it; a conv whose
kernel is even, a tuple, or dilated is left as it is, and a kernel known only at run time (a
constructor parameter) is taken to be odd like the one in the message.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._edit import (
    Edits, Script, constants, evaluate, keyword, parse_shape, positional, with_keyword,
)

name = "pad-convolutions"
_KINDS = {1: "Conv1d", 2: "Conv2d", 3: "Conv3d"}
_PADDING_POSITION = 4  # Conv*d(in_channels, out_channels, kernel_size, stride, padding, ...)


@needs_calls(*_KINDS.values())
def match(problem: Problem) -> list[tuple[cst.Call, cst.BaseExpression]] | None:
    """Each unpadded conv of the failing dimensionality with its kernel size, when one of them may
    have the (odd) kernel the message names: the one that ran out of pixels."""
    kernel = parse_shape(problem.facts.values.get("kernel_size"))
    if kernel is None or len(kernel) not in _KINDS or len(set(kernel)) != 1:
        return None
    script = problem.script
    env = constants(script)
    if kernel[0] % 2 == 0:
        return None
    unpadded = [(conv, size) for conv in script.constructors((_KINDS[len(kernel)],))
                if (size := _kernel(conv)) is not None and _odd_or_unknown(evaluate(size, env))]
    return unpadded if any(evaluate(size, env) in (kernel[0], None) for _, size in unpadded) else None


def apply(problem: Problem, convs: list[tuple[cst.Call, cst.BaseExpression]]) -> Edits:
    script, edits = problem.script, problem.edits()
    for conv, size in convs:
        edits.replace(conv, with_keyword(conv, "padding", _half(script, size)))
    return edits


def _odd_or_unknown(kernel: int | None) -> bool:
    """A kernel the padding keeps the size for (odd and above 1), or one set where the model is built
    (`kernel` from a config), which the verification run then checks."""
    return kernel is None or (kernel > 1 and kernel % 2 == 1)


def _kernel(conv: cst.Call) -> cst.BaseExpression | None:
    """The kernel size expression of a conv that has no padding or dilation yet."""
    args = positional(conv)
    if len(args) > _PADDING_POSITION or any(keyword(conv, word) for word in ("padding", "dilation")):
        return None
    kernel = keyword(conv, "kernel_size") or (args[2] if len(args) > 2 else None)
    return kernel.value if kernel is not None and not isinstance(kernel.value, cst.Tuple) else None


def _half(script: Script, size: cst.BaseExpression) -> str:
    """`2` for a literal 5, `k // 2` for a name, so the padding follows the kernel."""
    if isinstance(size, cst.Integer):
        return str(int(size.evaluated_value) // 2)
    return f"{script.code(size)} // 2" if isinstance(size, (cst.Name, cst.Attribute)) else f"({script.code(size)}) // 2"
