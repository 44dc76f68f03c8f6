"""An initial state (h0, c0) passed to an nn.LSTM / nn.GRU / nn.RNN, built with sizes that cannot be
the state's `(num_layers * num_directions, batch, hidden_size)`: the batch put on axis 0 because the
layer is batch_first (which never applies to the state), the layer count on axis 1, or a literal
layer count, batch or width that differs from the layer's own. Sizes are compared only where the
code shows both sides: int values, or the same expressions (`x.size(0)`, `self.lstm.num_layers`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.codecheck._code import Code, argument, constant, dotted, has_star_arguments, kind_of, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._known_sizes import sizes_of
from assistant.codecheck.detectors._labels import same_tensor
from assistant.codecheck.detectors._torch_names import is_torch_function
from assistant.codecheck.detectors._unpacked import known_value
from assistant.codecheck.detectors._widths import calls_of_held, held_layer, input_sizes, int_value

name = "rnn-state-shape-disagrees"
RECURRENT = ("LSTM", "GRU", "RNN")
FACTORIES = ("zeros", "ones", "randn", "rand", "empty")
NEW_FACTORIES = ("new_zeros", "new_ones", "new_empty")
# nn.LSTM(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size)
POSITIONS = {"hidden_size": 1, "num_layers": 2, "batch_first": 4, "bidirectional": 6, "proj_size": 7}


@dataclass(frozen=True)
class Layer:
    built: ast.Call
    layers: int | None  # num_layers * num_directions where known
    layers_spelled: str
    directions: int | None
    hidden: int | None  # hidden_size
    output: int | None  # proj_size or hidden_size: h0's last axis (None when unknown)
    batch_first: bool
    hidden_spelled: str

    def expected(self, batch: str, cell: bool) -> str:
        times = {1: "", 2: " * 2"}.get(self.directions, " * num_directions")  # type: ignore[arg-type]
        layers = f"{self.layers_spelled}{times}"
        width = self.hidden_spelled if cell or self.output == self.hidden else "proj_size"
        return f"({layers}, {batch}, {width})"


@needs_calls(*RECURRENT)
def check(code: Code) -> Iterator[Hit]:
    held = code.bound_to(*RECURRENT)
    for call in calls_of_held(code, held):
        spelled = dotted(call.func)
        if spelled is None or (spelled not in held and f"self.{spelled.rpartition('.')[2]}" not in held) \
                or has_star_arguments(call):
            continue
        built = held_layer(code, call.func, RECURRENT)
        layer = _layer(code, built) if built is not None else None
        state = argument(call, 1, "hx")
        if layer is None or state is None or not call.args:
            continue
        for tensor, cell in _state_tensors(code, state, kind_of(layer.built) == "LSTM"):
            problem = _problem(code, layer, call, tensor, cell)
            if problem is not None:
                which = "c0" if cell else "h0"
                yield Hit.at(code, tensor, f"{source_of(call.func)} ({source_of(layer.built)}, line {layer.built.lineno}) "
                             f"needs {which} of shape (num_layers * num_directions, batch, "
                             f"{'hidden_size' if cell or layer.output == layer.hidden else 'proj_size'}) "
                             f"even with batch_first={layer.batch_first}, but {source_of(tensor)}{_made_at(code, tensor)}, passed "
                             f"at line {call.lineno}, {problem}", {"got": source_of(tensor)})
                break  # the first wrong tensor is the one the message names


def _layer(code: Code, built: ast.Call) -> Layer | None:
    if has_star_arguments(built) or len(built.args) > 4:
        return None
    def given(option: str) -> ast.expr | None:
        return argument(built, POSITIONS[option], option)
    count = given("num_layers")
    layers = 1 if count is None else int_value(code, count)
    directions = _flag(code, given("bidirectional"))
    batch_first = _flag(code, given("batch_first"))
    if given("hidden_size") is None:
        return None
    hidden = int_value(code, given("hidden_size"))
    proj = given("proj_size")
    projection = 0 if proj is None else int_value(code, proj)
    if batch_first is None:
        return None
    output = (projection or hidden) if projection is not None else None
    total = layers * (2 if directions else 1) if layers is not None and directions is not None else None
    return Layer(built, total, "1" if count is None else source_of(count), None if directions is None else 1 + directions,
                 hidden, output, bool(batch_first), source_of(given("hidden_size") or built))


def _flag(code: Code, node: ast.expr | None) -> bool | None:
    if node is None:
        return False
    value = constant(known_value(code, node) if isinstance(node, ast.Name) else node)
    return value if isinstance(value, bool) else None


def _state_tensors(code: Code, state: ast.expr, pair: bool) -> Iterator[tuple[ast.expr, bool]]:
    """(the expression, whether it is c0) of each state tensor passed: `(h0, c0)` or a name bound to it."""
    value = known_value(code, state) if isinstance(state, ast.Name) else state
    if pair:
        if isinstance(value, ast.Tuple) and len(value.elts) == 2:
            yield value.elts[0], False
            yield value.elts[1], True
    elif not isinstance(value, (ast.Tuple, ast.List)):
        yield state, False


def _sizes(code: Code, tensor: ast.expr) -> list[ast.expr] | None:
    """The size expressions of the factory that made the state tensor: `torch.zeros(a, b, c)`, `x.new_zeros((a, b, c))`."""
    value = known_value(code, tensor) if isinstance(tensor, ast.Name) else tensor
    for _ in range(4):  # past moves: torch.zeros(...).to(device)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in ("to", "cuda", "float", "double", "half", "detach", "requires_grad_") \
                and dotted(value.func.value) != "torch":
            value = value.func.value
        else:
            break
    if not isinstance(value, ast.Call) or has_star_arguments(value):
        return None
    if not (is_torch_function(value, *FACTORIES) or (isinstance(value.func, ast.Attribute)
                                                     and value.func.attr in NEW_FACTORIES)):
        return None
    sizes = value.args[0].elts if len(value.args) == 1 and isinstance(value.args[0], (ast.Tuple, ast.List)) else value.args
    return None if any(isinstance(s, ast.Starred) for s in sizes) else list(sizes)


def _problem(code: Code, layer: Layer, call: ast.Call, tensor: ast.expr, cell: bool) -> str | None:
    sizes = _sizes(code, tensor)
    if sizes is None or len(sizes) != 3:
        return None
    rnn = dotted(call.func)
    given = call.args[0]
    batch_axis = 0 if layer.batch_first else 1
    spelled = [source_of(s) for s in sizes]
    if _is_batch_of(code, sizes[0], given, batch_axis) or (rnn is not None and _is_attribute(code, sizes[1], rnn, "num_layers")):
        batch_first = _is_batch_of(code, sizes[0], given, batch_axis)
        where = "the batch on axis 0" if batch_first else "the layer count on axis 1"
        return (f"is built as ({', '.join(spelled)}), with {where}, batch-first like the input; "
                f"build it as {layer.expected(spelled[0] if batch_first else 'batch', cell)}")
    values = [int_value(code, s) for s in sizes]
    width = layer.hidden if cell else layer.output
    made = known_value(code, given) if isinstance(given, ast.Name) else given
    inputs = sizes_of(code, made) if is_torch_function(made, *FACTORIES) else input_sizes(code, given)
    batch = inputs[batch_axis] if inputs is not None and len(inputs) == 3 and inputs[batch_axis] > 0 else None
    if values[0] is not None and layer.layers is not None and values[0] != layer.layers:
        if batch is not None and values[0] == batch and values[1] == layer.layers:
            return (f"has shape ({', '.join(map(str, values))}) where ({layer.layers}, {batch}, ...) is needed: "
                    "the batch and the layer axes are swapped")
        return (f"has {values[0]} on axis 0 (from {spelled[0]}) where the layer has {layer.layers} "
                f"(num_layers * num_directions = {layer.layers_spelled}{' * 2' if layer.directions == 2 else ''})")
    if values[2] is not None and width is not None and values[2] != width:
        return (f"has {values[2]} on its last axis (from {spelled[2]}) where the layer's "
                f"{'hidden_size' if cell or layer.output == layer.hidden else 'proj_size'} is {width}")
    if values[1] is not None and batch is not None and values[1] != batch:
        return f"has batch {values[1]} on axis 1 (from {spelled[1]}) where the input {source_of(given)} has {batch}"
    return None


def _made_at(code: Code, tensor: ast.expr) -> str:
    value = known_value(code, tensor) if isinstance(tensor, ast.Name) else tensor
    return f" by {source_of(value)} (line {value.lineno})" if value is not None and value is not tensor else ""


def _is_batch_of(code: Code, size: ast.expr, given: ast.expr, axis: int) -> bool:
    """`size` is `x.size(axis)` / `x.shape[axis]` (also through a name) of the same `x` the layer is given."""
    value = known_value(code, size) if isinstance(size, ast.Name) else size
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "size" \
            and len(value.args) == 1 and not value.keywords:
        tensor, index = value.func.value, value.args[0]
    elif isinstance(value, ast.Subscript) and isinstance(value.value, ast.Attribute) and value.value.attr == "shape":
        tensor, index = value.value.value, value.slice
    else:
        return False
    return constant(index) == axis and same_tensor(code, tensor, given)


def _is_attribute(code: Code, size: ast.expr, rnn: str, attribute: str) -> bool:
    """`size` is `self.lstm.num_layers` (also through a name or a tuple assignment) of the called layer."""
    value = known_value(code, size) if isinstance(size, ast.Name) else size
    return isinstance(value, ast.Attribute) and value.attr == attribute and dotted(value.value) == rnn
