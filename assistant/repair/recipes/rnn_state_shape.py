"""An RNN's initial state is always (num_layers * num_directions, batch, hidden), whatever
`batch_first` says. The message gives the shape the layer expected for this input and the shape
it got, so the recipe follows the state passed on the failing line (through names, the caller's
arguments, helpers such as `init_hidden` and the `if h is None: h = ...` default of an optional
state parameter) back to the `torch.zeros(...)` (or randn, ones, empty) that built it and
corrects that constructor's sizes: a state built batch-first gets its first two sizes swapped; any other wrong axis is computed from the layer and the input,
`rnn.num_layers`, `x.size(0)`, `rnn.hidden_size`, as the entry's fix does; a 2-D state for a
batched input gets the layer axis in front. A helper that builds the state from a batch size it
is given (`init_hidden(BATCH)`, `zero_state(layers, x.size(0), hidden)`) gets the input's batch
size where it is called next to the layer, since the helper itself cannot see the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._definitions import MAX_DEPTH, assignment, loop_binding, parameters, passed, resolved, returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, keyword, kind_of, parse_shape, positional
from assistant.repair.recipes._values import integer

name = "rnn-state-shape"
RNNS = ("LSTM", "GRU", "RNN")
CELLS = ("LSTMCell", "GRUCell", "RNNCell")
CREATIONS = ("zeros", "ones", "randn", "rand", "empty", "new_zeros", "new_ones", "new_empty")
SAME_TENSOR = ("to", "cuda", "cpu", "float", "double", "detach", "requires_grad_", "contiguous")  # same shape


@dataclass(frozen=True)
class StateCall:
    """One RNN call on the failing line: the layer's name, its constructor and the tensors passed."""

    rnn: str
    layer: cst.Call
    call: cst.Call


@needs_calls(*RNNS, *CELLS)
def match(problem: Problem) -> dict[cst.CSTNode, cst.CSTNode] | None:
    """The state constructors' nodes to rewrite (sizes, or whole calls that lack the layer axis),
    with their new values."""
    if (axis := _cell_axis(problem.facts.message)) is not None:
        return _cell_match(problem, axis)
    expected, got = parse_shape(problem.facts.values.get("expected")), parse_shape(problem.facts.values.get("got"))
    lacks_layers = expected is None and "2-D" in problem.facts.values.get("got", "")
    if not lacks_layers and (expected is None or got is None or len(expected) != 3 or len(got) != 3 or expected == got):
        return None
    script = problem.script
    if (failing := _rnn_call(script, problem.facts.user_lines, RNNS)) is None:
        return None
    constructors = _state_constructors(script, failing, problem.facts.user_lines)
    first = next((call for role, call in constructors if role == "h"), None)
    if first is None or _sizes(script, first, 2 if lacks_layers else 3) is None:
        return None
    same = [(role, call) for role, call in constructors if _same_sizes(script, call, first)]
    rewrites: dict[cst.CSTNode, cst.CSTNode] = {}
    for role, call in same:
        new = _with_layers(script, failing, call) if lacks_layers else _corrected(script, failing, call, role, expected, got)
        if new is None:
            return None
        rewrites |= new
    return rewrites or None


def apply(problem: Problem, rewrites: dict[cst.CSTNode, cst.CSTNode]) -> Edits:
    edits = problem.edits()
    for old, new in rewrites.items():
        edits.replace(old, new)
    return edits


def _cell_axis(message: str) -> int | None:
    """Which axis of a cell's (batch, hidden) state the message says is wrong."""
    if "doesn't match hidden" in message and "batch size" in message:
        return 0
    return 1 if "has inconsistent hidden_size" in message else None


def _cell_match(problem: Problem, axis: int) -> dict[cst.CSTNode, cst.CSTNode] | None:
    """An LSTMCell/GRUCell/RNNCell state (batch, hidden): the wrong size computed from the input
    (`x.size(0)`) or the cell (`cell.hidden_size`), in every constructor built like h's."""
    script, lines = problem.script, problem.facts.user_lines
    if (failing := _rnn_call(script, lines, CELLS)) is None:
        return None
    constructors = [call for _, call in _state_constructors(script, failing, lines)]
    if not constructors or any(_sizes(script, call, 2) is None or not _same_sizes(script, call, constructors[0])
                               for call in constructors):
        return None
    rewrites: dict[cst.CSTNode, cst.CSTNode] = {}
    for call in constructors:
        new = _cell_batch(script, failing, call) if axis == 0 else _cell_hidden(script, failing, call)
        if new is None:
            return None
        rewrites[_sizes(script, call, 2)[axis]] = expr(new)
    return rewrites


def _cell_hidden(script: Script, failing: StateCall, call: cst.Call) -> str | None:
    return f"{failing.rnn}.hidden_size" if _visible(script, failing.rnn, call, failing.call) else None


def _cell_batch(script: Script, failing: StateCall, call: cst.Call) -> str | None:
    """The batch size of the cell's input, spelled with a tensor bound where the state is built:
    `x` gives `x.size(0)`, a step `x[:, t]` also `x.size(0)`, a step `x[t]` `x.size(1)`."""
    data = positional(failing.call)[0].value
    axis = 0
    if isinstance(data, cst.Subscript) and data.slice:
        first = data.slice[0].slice
        axis = 0 if isinstance(first, cst.Slice) and first.lower is first.upper is first.step is None else 1
        if axis == 1 and not isinstance(getattr(first, "value", None), (cst.Name, cst.Integer)):
            return None
        data = data.value
    if not isinstance(data, cst.Name) or script.function_of(call) is not script.function_of(failing.call):
        return None
    return f"{data.value}.size({axis})" if _bound_before(script, data.value, call) else None


def _state_constructors(script: Script, failing: StateCall, lines: tuple[int, ...]) -> list[tuple[str, cst.Call]]:
    state = keyword(failing.call, "hx") or (positional(failing.call)[1:2] or [None])[0]
    return _constructors(script, state.value, "h", lines) if state is not None else []


def _rnn_call(script: Script, lines: tuple[int, ...], kinds: tuple[str, ...]) -> StateCall | None:
    """The call of a layer of these kinds with a state argument on the innermost failing line with one."""
    for line in reversed(lines):
        for call in script.calls_on(line):
            rnn = callee(call)
            layer = script.built_from(rnn, kinds) if rnn else None
            if layer is not None and (len(positional(call)) >= 2 or keyword(call, "hx")):
                return StateCall(rnn, layer, call)
    return None


def _constructors(script: Script, value: cst.BaseExpression, role: str, lines: tuple[int, ...],
                  depth: int = 0) -> list[tuple[str, cst.Call]]:
    """The tensor constructors a state is made of, each with its role: `h` (h0) or `c` (an LSTM's
    c0). Followed through names, the caller's arguments, `(h0, c0)` tuples, `.to(device)` and
    helpers such as `self.init_hidden(batch)`."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == 2:
        return [found for element, part in zip(value.elements, "hc")
                for found in _constructors(script, element.value, part, lines, depth)]
    if isinstance(value, cst.Call) and kind_of(value) in CREATIONS:
        return [(role, value)]
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in SAME_TENSOR:
        return _constructors(script, value.func.value, role, lines, depth)
    if (each := _each_tensor_of(value)) is not None:
        return _constructors(script, each, role, lines, depth)
    if isinstance(value, cst.Call):
        return [found for result in returned(script, value) for found in _constructors(script, result, role, lines, depth + 1)]
    if (name := dotted(value)) is None:
        return []
    bound = assignment(script, name, value)
    source = bound[1] if bound is not None else (_default_when_none(script, name, value)
                                                 or passed(script, name, value, lines))
    return _constructors(script, source, role, lines, depth + 1) if source is not None else []


def _default_when_none(script: Script, name: str, user: cst.CSTNode) -> cst.BaseExpression | None:
    """The state an optional parameter gets when the caller passes none: the value of `h = ...`
    in `if h is None:` before its use in the same function (`forward(self, x, h=None)`), which is
    the state the first batch runs with."""
    function, line = script.function_of(user), script.span(user)[0]
    if function is None or name not in parameters(function):
        return None
    for test in script.nodes(cst.If):
        if script.function_of(test) is function and script.span(test)[1] < line and _is_none_test(test.test, name):
            values = [small.value for statement in test.body.body if isinstance(statement, cst.SimpleStatementLine)
                      for small in statement.body if isinstance(small, cst.Assign) and len(small.targets) == 1
                      and dotted(small.targets[0].target) == name]
            if len(values) == 1:
                return values[0]
    return None


def _is_none_test(test: cst.BaseExpression, name: str) -> bool:
    """`name is None`."""
    return (isinstance(test, cst.Comparison) and dotted(test.left) == name and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Is) and dotted(test.comparisons[0].comparator) == "None")


def _each_tensor_of(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """`hidden` of `tuple(h.detach() for h in hidden)` or `[h.detach() for h in hidden]`: the
    state rebuilt tensor by tensor with the same shapes (detached between batches)."""
    if isinstance(value, cst.Call) and kind_of(value) in ("tuple", "list") and len(value.args) == 1:
        value = value.args[0].value
    if not isinstance(value, (cst.GeneratorExp, cst.ListComp)) or value.for_in.inner_for_in is not None:
        return None
    element, loop = value.elt, value.for_in
    same = (isinstance(element, cst.Call) and isinstance(element.func, cst.Attribute)
            and element.func.attr.value in SAME_TENSOR and dotted(element.func.value) == dotted(loop.target))
    return loop.iter if same and isinstance(loop.target, cst.Name) and not loop.ifs else None


def _sizes(script: Script, call: cst.Call, count: int = 3) -> list[cst.BaseExpression] | None:
    """The sizes of `torch.zeros(a, b, c)`, `torch.zeros((a, b, c), ...)` or `torch.zeros(shape)`
    with `shape = (a, b, c)` assigned before (one shape for h0 and c0), if there are `count`."""
    args = positional(call)
    shape = resolved(script, args[0].value) if len(args) == 1 and isinstance(args[0].value, cst.Name) \
        else args[0].value if len(args) == 1 else None
    if isinstance(shape, (cst.Tuple, cst.List)):
        sizes = [element.value for element in shape.elements]
    else:
        sizes = [arg.value for arg in args]
    return sizes if len(sizes) == count else None


def _same_sizes(script: Script, call: cst.Call, first: cst.Call) -> bool:
    """Whether a constructor repeats the sizes of h0's (c0 built the same way has the same bug)."""
    code = [script.code(arg) for arg in positional(call)]
    return bool(code) and code == [script.code(arg) for arg in positional(first)]


def _with_layers(script: Script, failing: StateCall, call: cst.Call) -> dict[cst.CSTNode, cst.CSTNode] | None:
    """`torch.zeros(batch, hidden)` for a batched input becomes `torch.zeros(layers, batch, hidden)`."""
    layers = _axis_size(script, failing, call, "h", 0)
    args = positional(call)
    if layers is None or len(args) != 2:
        return None
    first = cst.Arg(value=expr(layers), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return {call: call.with_changes(args=[first, *call.args])}


def _corrected(script: Script, failing: StateCall, call: cst.Call, role: str, expected: tuple[int, ...],
               got: tuple[int, ...]) -> dict[cst.BaseExpression, cst.BaseExpression] | None:
    """New values for the wrong sizes of one constructor, or None when one cannot be written."""
    sizes = _sizes(script, call)
    if got == (expected[1], expected[0], expected[2]):  # built batch-first: (batch, layers, hidden)
        return {sizes[0]: sizes[1], sizes[1]: sizes[0]}
    rewrites = {}
    for axis in (axis for axis in range(3) if got[axis] != expected[axis]):
        new = _axis_size(script, failing, call, role, axis)
        if new is not None:
            rewrites[sizes[axis]] = expr(new)
        elif axis == 1 and (given := _batch_given_to_helper(script, failing, call, sizes[axis])):
            rewrites |= given
        else:
            return None
    return rewrites


def _batch_given_to_helper(script: Script, failing: StateCall, call: cst.Call,
                           size: cst.BaseExpression) -> dict[cst.BaseExpression, cst.BaseExpression] | None:
    """The batch-size argument of each call, next to the layer's, of the helper that builds the
    state from its parameter, rewritten to the input's batch size."""
    helper = script.function_of(call)
    if helper is None or not isinstance(size, cst.Name) or size.value not in (names := parameters(helper)):
        return None
    index, caller = names.index(size.value), script.function_of(failing.call)
    uses = [used for used in script.calls() if kind_of(used) == helper.name.value
            and script.function_of(used) is caller and len(positional(used)) > index]
    rewrites = {}
    for used in uses:
        if (new := _axis_size(script, failing, used, "h", 1)) is None:
            return None
        rewrites[positional(used)[index].value] = expr(new)
    return rewrites or None


def _axis_size(script: Script, failing: StateCall, call: cst.Call, role: str, axis: int) -> str | None:
    """The size of one axis of the state, spelled with the layer's attributes and the input."""
    rnn, layer = failing.rnn, failing.layer
    if not _visible(script, rnn, call, failing.call):
        return _layer_count(script, layer) if axis == 0 else None
    if axis == 0:
        directions = _flag(layer, "bidirectional", 6)
        return {False: f"{rnn}.num_layers", True: f"2 * {rnn}.num_layers"}.get(
            directions, f"{rnn}.num_layers * (2 if {rnn}.bidirectional else 1)")
    if axis == 2:
        return f"{rnn}.proj_size" if role == "h" and keyword(layer, "proj_size") else f"{rnn}.hidden_size"
    data = positional(failing.call)[0].value
    if not isinstance(data, cst.Name) or script.function_of(call) is not script.function_of(failing.call):
        return None
    batch_first = _flag(layer, "batch_first", 4)
    if batch_first is None or not _bound_before(script, data.value, call):
        return None
    return f"{data.value}.size({0 if batch_first else 1})"


def _layer_count(script: Script, layer: cst.Call) -> str | None:
    """num_layers * num_directions as a number, where the layer's name cannot be read (a state
    built at module level for a model's `self.rnn`) and the constructor spells both out."""
    given = keyword(layer, "num_layers") or (positional(layer)[2:3] or [None])[0]
    layers = integer(script, given.value) if given is not None else 1
    directions = _flag(layer, "bidirectional", 6)
    return str(layers * (2 if directions else 1)) if layers is not None and directions is not None else None


def _flag(layer: cst.Call, option: str, position: int) -> bool | None:
    """A boolean constructor option as written (False when left out, None when not a literal)."""
    arg = keyword(layer, option) or (positional(layer)[position:position + 1] or [None])[0]
    if arg is None:
        return False
    return {"True": True, "False": False}.get(arg.value.value) if isinstance(arg.value, cst.Name) else None


def _visible(script: Script, rnn: str, call: cst.Call, used: cst.Call) -> bool:
    """Whether the layer's name can be read where the state is built: `self.lstm` in a method of the
    same class, a plain name in the same function or at module level."""
    if rnn.startswith("self."):
        return _class_of(script, call) is not None and _class_of(script, call) is _class_of(script, used)
    return script.function_of(call) in (None, script.function_of(used)) or "." not in rnn


def _class_of(script: Script, node: cst.CSTNode) -> cst.ClassDef | None:
    return next((a for a in script.ancestors(node) if isinstance(a, cst.ClassDef)), None)


def _bound_before(script: Script, name: str, node: cst.CSTNode) -> bool:
    """Whether `name` is a parameter of the node's function or assigned before it there."""
    function = script.function_of(node)
    if function is not None and name in {param.name.value for param in function.params.params}:
        return True
    return assignment(script, name, node) is not None or loop_binding(script, name, node) is not None
