"""A BatchNorm layer's kind must match the tensors it normalises: BatchNorm1d after a Conv1d
([N, C, L]) or a Linear ([N, F]), BatchNorm2d after a Conv2d, BatchNorm3d after a Conv3d
([N, C, D, H, W]). A BatchNorm2d written after a Conv1d (or a Conv3d) rejects the rank of a
correctly batched tensor, and adding a batch axis would only break the convolution. When the rank
in the message is exactly what the feeding layer produces, the entry's fix is the BatchNorm of that
kind: the constructor's name changes, its arguments (num_features, eps, momentum) stay.

The feeding layer is the one right before the BatchNorm in an `nn.Sequential`, the call inside the
BatchNorm's call (`self.bn(self.conv(x))`), or the call last assigned to its argument in the same
function (`x = self.conv(x)` then `x = self.bn(x)`). Layers called through a loop over
ModuleLists (`for conv, bn in zip(self.convs, self.bns): x = bn(conv(x))`) are the ones the
lists are built from, when each list holds one kind of layer.
"""

from __future__ import annotations

import re

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._definitions import loop_binding
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, kind_of, positional

name = "batchnorm-for-conv"
rank = 20
_RANKS = re.compile(r"expected (?P<wanted>\d)D input \(got (?P<got>\d)D input\)")
_OUTPUT_RANK = {"Conv1d": 3, "ConvTranspose1d": 3, "Conv2d": 4, "ConvTranspose2d": 4,
                "Conv3d": 5, "ConvTranspose3d": 5, "Linear": 2}
_NORM_FOR_RANK = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d", 5: "BatchNorm3d"}
_NORMS = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
# layers and functions that keep their input's shape, looked through to find the feeding layer
_SAME_SHAPE = frozenset({"ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
                         "Hardswish", "Tanh", "Sigmoid", "Softplus", "Dropout", "Identity",
                         "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "tanh", "sigmoid",
                         "softplus", "dropout"})


@needs_calls(*_NORMS)
def match(problem: Problem) -> list[tuple[cst.Attribute, str]] | None:
    """Each BatchNorm constructor (`nn.BatchNorm2d`, the attribute) of the kind the message names
    that a layer of the message's rank feeds, with the kind that layer needs."""
    ranks = _RANKS.search(problem.facts.message)
    if ranks is None or (wanted := _NORM_FOR_RANK.get(int(ranks["wanted"]))) is None:
        return None
    got, script = int(ranks["got"]), problem.script
    found = [(norm.func, _NORM_FOR_RANK[got]) for norm, feeder in _fed_norms(script)
             if kind_of(norm) == wanted and _OUTPUT_RANK.get(kind_of(feeder)) == got
             and _NORM_FOR_RANK[got] != wanted and isinstance(norm.func, cst.Attribute)]
    return list(dict.fromkeys(found)) or None


def apply(problem: Problem, found: list[tuple[cst.Attribute, str]]) -> Edits:
    edits = problem.edits()
    for attribute, kind in found:
        edits.replace(attribute, attribute.with_changes(attr=cst.Name(kind)))
    return edits


def _fed_norms(script: Script) -> list[tuple[cst.Call, cst.Call]]:
    """(BatchNorm constructor, constructor of the layer whose output it normalises)."""
    pairs = []
    for call in script.calls():
        if kind_of(call) == "Sequential":
            layers = [arg.value for arg in positional(call)
                      if isinstance(arg.value, cst.Call) and kind_of(arg.value) not in _SAME_SHAPE]
            pairs += [(norm, before) for before, norm in zip(layers, layers[1:]) if kind_of(norm) in _NORMS]
        elif (layer := callee(call)) and (norm := _built(script, layer, call, _NORMS)) is not None and positional(call):
            if (feeder := _feeding_layer(script, positional(call)[0].value)) is not None:
                pairs.append((norm, feeder))
    return pairs


def _feeding_layer(script: Script, value: cst.BaseExpression) -> cst.Call | None:
    """The constructor of the layer that computed `value`: called there, or assigned to the name."""
    for _ in range(8):  # through names and shape-keeping calls: `x = F.relu(self.conv(x))`
        if isinstance(value, cst.Name) and (bound := _last_assigned(script, value)) is not None:
            value = bound
        if not isinstance(value, cst.Call) or (layer := callee(value)) is None:
            return None
        built = _built(script, layer, value, (*_OUTPUT_RANK, *_SAME_SHAPE))
        if built is None and kind_of(value) not in _SAME_SHAPE:
            return None
        if built is not None and kind_of(built) in _OUTPUT_RANK:
            return built
        if not positional(value):
            return None
        value = positional(value)[0].value
    return None


def _built(script: Script, name: str, use: cst.CSTNode, kinds: tuple[str, ...]) -> cst.Call | None:
    """The constructor of the layer (of these kinds) a name holds where it is used: assigned, or
    taken by a loop from a ModuleList of one kind of layer."""
    if (built := script.built_from(name, kinds)) is not None or "." in name:
        return built
    loop = loop_binding(script, name, use)
    container = script.bindings.get(dotted(_iterated(loop, name)) or "") if loop is not None else None
    if container is None or kind_of(container) != "ModuleList" or not positional(container):
        return None
    items = positional(container)[0].value
    layers = [items.elt] if isinstance(items, cst.ListComp) else [
        element.value for element in items.elements] if isinstance(items, cst.List) else []
    kinds_held = {kind_of(layer) if isinstance(layer, cst.Call) else "" for layer in layers}
    return layers[0] if len(kinds_held) == 1 and kinds_held <= set(kinds) else None


def _iterated(loop: cst.For, name: str) -> cst.BaseExpression:
    """What the loop takes the name's values from: `self.bns` for `bn` in
    `for conv, bn in zip(self.convs, self.bns)`, the iterable itself for `for bn in self.bns`."""
    if not isinstance(loop.target, cst.Tuple) or not isinstance(loop.iter, cst.Call) or kind_of(loop.iter) != "zip":
        return loop.iter
    names = [dotted(element.value) for element in loop.target.elements]
    zipped = positional(loop.iter)
    return zipped[names.index(name)].value if name in names and len(zipped) == len(names) else loop.iter


def _last_assigned(script: Script, name: cst.Name) -> cst.BaseExpression | None:
    """The value last assigned to the name before this use in the same function (a parameter
    reassigned in `forward` included)."""
    line, scope = script.span(name)[0], script.function_of(name)
    values = [node.value for node in script.nodes(cst.Assign)
              if script.function_of(node) is scope and script.span(node)[1] < line
              and any(dotted(target.target) == name.value for target in node.targets)]
    return values[-1] if values else None
