"""A layer allocates its weight with `torch.empty(out, in, ...)`, and tensor sizes must be Python
ints. In Python 3 `/` always gives a float, and so do float factors (`width * 0.5`), `math.sqrt`
and NumPy reductions, so a size computed that way stops the layer's constructor. The fix is made
where the value is computed: `/` becomes `//` (the documented integer arithmetic) and any other
float expression is wrapped in `int(...)`. A size that only arrives as a float (a parameter, a
config value read from YAML) is converted where the layer reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, keyword, kind_of, positional

name = "integer-layer-size"
# How many leading positional arguments of each layer are sizes, and the keywords that are.
SIZED = {"Linear": 2, "Bilinear": 3, "Conv1d": 2, "Conv2d": 2, "Conv3d": 2, "ConvTranspose1d": 2,
         "ConvTranspose2d": 2, "ConvTranspose3d": 2, "Embedding": 2, "EmbeddingBag": 2, "LSTM": 2, "GRU": 2,
         "RNN": 2, "LSTMCell": 2, "GRUCell": 2, "RNNCell": 2, "BatchNorm1d": 1, "BatchNorm2d": 1, "BatchNorm3d": 1,
         "GroupNorm": 2, "LayerNorm": 1, "MultiheadAttention": 2}
SIZE_KEYWORDS = ("in_features", "out_features", "in_channels", "out_channels", "num_embeddings", "embedding_dim",
                 "input_size", "hidden_size", "num_features", "num_groups", "num_channels", "embed_dim",
                 "normalized_shape", "in1_features", "in2_features")
_FLOAT_FUNCTIONS = {"sqrt", "mean", "median", "std", "ceil", "floor", "log", "log2", "exp", "float", "true_divide"}
_INT_FUNCTIONS = {"int", "len", "round", "ceil", "floor", "prod", "numel", "isqrt"}
_FLOAT_TYPES = ("float", "numpy.float")
_DEPTH = 3  # how many `a = b` steps back a size's value is followed


@needs_failing_line
def match(problem: Problem) -> list[cst.BaseExpression] | None:
    """The float-valued expressions that reach the sizes of the layer built on the failing line: in
    the call, or in the assignment that computed the name it passes. When none is visibly a
    float and the message says a float arrived, the sizes passed as plain names or config reads."""
    script = problem.script
    layer = _layer_on_failure(script, problem.facts.user_lines)
    if layer is None:
        return None
    sizes = _sizes(layer)
    floats = list(dict.fromkeys(found for size in sizes if (found := _float_source(script, size, layer, _DEPTH))))
    if not floats and problem.facts.values.get("type", "float").startswith(_FLOAT_TYPES):
        floats = _divided_by_callers(script, problem.facts.user_lines[:-1]) or [
            size for size in sizes if isinstance(size, (cst.Name, cst.Attribute, cst.Subscript))
            and not _certainly_int(script, size, layer, _DEPTH)]
    return floats or None


def _divided_by_callers(script: Script, outer: Sequence[int]) -> list[cst.BaseExpression]:
    """True divisions passed as arguments on the traceback's outer lines (`Block(channels / 2)`
    building the layer from a parameter): where the float was made."""
    calls = [call for line in outer for call in script.calls_on(line) if kind_of(call) not in SIZED]
    return [arg.value for call in calls for arg in call.args
            if isinstance(arg.value, cst.BinaryOperation) and isinstance(arg.value.operator, cst.Divide)]


def apply(problem: Problem, floats: list[cst.BaseExpression]) -> Edits:
    edits = problem.edits()
    for node in floats:
        edits.replace(node, _as_int(problem.script, node))
    return edits


def _as_int(script: Script, node: cst.BaseExpression) -> cst.BaseExpression:
    """`a / b` as `a // b`; `128.0` as `128`; anything else as `int(...)`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        spaced = node.operator
        return node.with_changes(operator=cst.FloorDivide(whitespace_before=spaced.whitespace_before,
                                                          whitespace_after=spaced.whitespace_after))
    if isinstance(node, cst.Float) and float(node.value).is_integer():
        return cst.Integer(str(int(float(node.value))))
    return expr(f"int({script.code(node)})")


def _layer_on_failure(script: Script, lines: Sequence[int]) -> cst.Call | None:
    for line in reversed(lines):
        if layers := [call for call in script.calls_on(line) if kind_of(call) in SIZED]:
            return layers[0]
    return None


def _sizes(layer: cst.Call) -> list[cst.BaseExpression]:
    named = [arg.value for word in SIZE_KEYWORDS if (arg := keyword(layer, word)) is not None]
    return [arg.value for arg in positional(layer)[: SIZED[kind_of(layer)]]] + named


def _float_source(script: Script, node: cst.BaseExpression, at: cst.CSTNode, depth: int) -> cst.BaseExpression | None:
    """The expression that makes this size a float, following names back to their assignment."""
    if isinstance(node, (cst.Float, cst.BinaryOperation)) and _is_float(script, node, at, depth):
        return node
    if isinstance(node, cst.Call) and _float_call(node):
        return node
    if isinstance(node, (cst.Name, cst.Attribute)) and depth > 0:
        value = _assigned_value(script, node, at)
        return _float_source(script, value, value, depth - 1) if value is not None else None
    return None


def _is_float(script: Script, node: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
    if isinstance(node, cst.Float):
        return True
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Divide):
            return True
        if isinstance(node.operator, (cst.Add, cst.Subtract, cst.Multiply, cst.Power)):
            return any(_is_float(script, side, at, depth) for side in (node.left, node.right))
        return False
    if isinstance(node, cst.Call):
        return _float_call(node)
    if isinstance(node, (cst.Name, cst.Attribute)) and depth > 0:
        value = _assigned_value(script, node, at)
        return value is not None and _is_float(script, value, value, depth - 1)
    return False


def _float_call(call: cst.Call) -> bool:
    """`math.sqrt(n)`, `np.mean(...)`, `np.ceil(...)`, `float(...)`: calls that return floats
    (`math.ceil` and `math.floor` return ints)."""
    head = (callee(call) or "").rpartition(".")[0]
    return kind_of(call) in _FLOAT_FUNCTIONS and not (head == "math" and kind_of(call) in {"ceil", "floor"})


def _certainly_int(script: Script, node: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
    if isinstance(node, cst.Integer):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.FloorDivide):
        return True
    if isinstance(node, cst.Call):
        return kind_of(node) in _INT_FUNCTIONS and not _float_call(node)
    if isinstance(node, (cst.Name, cst.Attribute)) and depth > 0 and not _is_parameter(script, node, at):
        value = _assigned_value(script, node, at)
        return value is not None and _certainly_int(script, value, value, depth - 1)
    return False


def _is_parameter(script: Script, node: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """A parameter of the function around `at`: its default says nothing of what a caller passed."""
    function = script.function_of(at)
    return function is not None and _parameter(function, dotted(node)) is not None


def _assigned_value(script: Script, target: cst.BaseExpression, at: cst.CSTNode) -> cst.BaseExpression | None:
    """The value last assigned to this name (or `self.attribute`) before `at`, in the same function
    when it assigns it there, else the default of the function's parameter of that name, else
    the last assignment anywhere in the file."""
    wanted = dotted(target)
    before = script.span(at)[0]
    assigned = [(node, node.value) for node in script.nodes(cst.Assign) for t in node.targets
                if dotted(t.target) == wanted and script.span(node)[0] < before]
    assigned += [(node, node.value) for node in script.nodes(cst.AnnAssign)
                 if node.value is not None and dotted(node.target) == wanted and script.span(node)[0] < before]
    function = script.function_of(at)
    local = [pair for pair in assigned if script.function_of(pair[0]) is function]
    if not local and function is not None and (param := _parameter(function, wanted)) is not None:
        return param.default  # a parameter: its default is the value known here
    chosen = local or assigned
    return max(chosen, key=lambda pair: script.span(pair[0])[0])[1] if chosen else None


def _parameter(function: cst.FunctionDef, wanted: str | None) -> cst.Param | None:
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    return next((param for param in every if param.name.value == wanted), None)
