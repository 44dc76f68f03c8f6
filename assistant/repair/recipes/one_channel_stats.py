"""Normalize with three means and stds (ImageNet's) on one-channel images needs a three-channel
result, which its in-place `sub_`/`div_` cannot write into a `[1, H, W]` image. The entry's fix is
one mean and one std per channel of the data. The data's own statistics are not in the code, so
the recipe gives the single channel the statistics the code chose, averaged over the channels
(`[0.485, 0.456, 0.406]` -> `[0.449]`): the images are scaled as the author meant, one channel at
a time. The literals are changed where they are written (a constant such as `IMAGENET_MEAN` or the
Normalize call itself). A model whose first convolution takes 3 channels needs the images
replicated to RGB instead, so the recipe leaves that code alone.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Edits, Script, callee, constants, dotted, evaluate, keyword, positional

name = "one-channel-stats"
_STATS = (("mean", 0), ("std", 1))
_TENSORS = ("torch.tensor", "torch.as_tensor", "torch.Tensor", "torch.FloatTensor")


def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The three-value mean and std literals given to every Normalize in the code, and those of
    per-channel statistics tensors written by hand (`torch.tensor([...]).view(3, 1, 1)`, with the
    channel count they are reshaped to)."""
    script = problem.script
    if _first_conv_takes_rgb(script):
        return None
    found: list[cst.BaseExpression] = []
    for call in script.constructors(("Normalize",)):
        for word, index in _STATS:
            arg = keyword(call, word) or (positional(call)[index:index + 1] or [None])[0]
            literal = _literal(script, arg.value) if arg is not None else None
            if literal is not None and literal not in found:
                found.append(literal)
    for call in script.calls():
        if callee(call) in _TENSORS and positional(call) and (channels := _channel_shape(script, call)) is not None:
            literal = _literal(script, positional(call)[0].value)
            found += [node for node in (literal, *channels) if literal is not None and node not in found]
    return found or None


def apply(problem: Problem, literals: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for literal in literals:
        if isinstance(literal, cst.Integer):  # the three channels a stats tensor is reshaped to
            edits.replace(literal, cst.Integer("1"))
            continue
        values = [float(element.value.evaluated_value) for element in literal.elements]
        average = round(sum(values) / len(values), 4)
        edits.replace(literal, cst.parse_expression(f"[{average}]" if isinstance(literal, cst.List) else f"({average},)"))
    return edits


def _literal(script: Script, value: cst.BaseExpression, depth: int = 0) -> cst.List | cst.Tuple | None:
    """The three-number list or tuple the value is, or the one a name, a parameter's default or a
    dict literal's entry (`CFG["mean"]`) holds."""
    if depth < 3 and (name := dotted(value)) is not None:
        bound = assignment(script, name, value)
        default = _default(script, name, value) if bound is None else None
        if bound is not None or default is not None:
            return _literal(script, bound[1] if bound is not None else default, depth + 1)
    if depth < 3 and isinstance(value, cst.Subscript) and (entry := _dict_entry(script, value)) is not None:
        return _literal(script, entry, depth + 1)
    if isinstance(value, (cst.List, cst.Tuple)) and len(value.elements) == 3 and all(
            isinstance(element.value, cst.Float) for element in value.elements):
        return value
    return None


def _default(script: Script, name: str, user: cst.CSTNode) -> cst.BaseExpression | None:
    """The default of the parameter `name` of the function around `user` (`mean=MEAN`)."""
    function = script.function_of(user)
    params = function.params.params if function is not None else ()
    return next((param.default for param in params if param.name.value == name and param.default is not None), None)


def _dict_entry(script: Script, value: cst.Subscript) -> cst.BaseExpression | None:
    """`CFG["mean"]`: the value under that string key of the dict literal `CFG` is bound to."""
    key = value.slice[0].slice if len(value.slice) == 1 else None
    bound = assignment(script, name, value) if (name := dotted(value.value)) else None
    if not isinstance(key, cst.Index) or not isinstance(key.value, cst.SimpleString) or bound is None:
        return None
    if not isinstance(bound[1], cst.Dict):
        return None
    wanted = key.value.evaluated_value
    return next((element.value for element in bound[1].elements if isinstance(element, cst.DictElement)
                 and isinstance(element.key, cst.SimpleString) and element.key.evaluated_value == wanted), None)


def _channel_shape(script: Script, tensor: cst.Call) -> list[cst.Integer] | None:
    """How a statistics tensor is laid out per channel: `.view(3, 1, 1)` / `.reshape(1, -1, 1, 1)`
    (the literal 3s are returned, they become 1) or `[:, None, None]`; None for any other tensor."""
    parent = script.parents.get(tensor)
    if isinstance(parent, cst.Subscript) and [script.code(e.slice) for e in parent.slice][1:] == ["None", "None"]:
        return []
    outer = script.parents.get(parent)
    if not (isinstance(parent, cst.Attribute) and parent.attr.value in ("view", "reshape") and isinstance(outer, cst.Call)):
        return None
    sizes = [arg.value for arg in outer.args]
    if len(sizes) < 3 or [script.code(size) for size in sizes[-2:]] != ["1", "1"]:
        return None
    return [size for size in sizes[:-2] if isinstance(size, cst.Integer) and size.value == "3"]


def _first_conv_takes_rgb(script: Script) -> bool:
    convs = script.constructors(("Conv2d",))
    args = positional(convs[0]) if convs else []
    in_channels = keyword(convs[0], "in_channels") if convs else None
    node = in_channels.value if in_channels is not None else (args[0].value if args else None)
    return node is not None and evaluate(node, constants(script)) == 3
