"""The result of an nn.LSTM / nn.GRU / nn.RNN (or nn.LSTMCell) call used as a tensor: it is a tuple,
(output, h_n) or (output, (h_n, c_n)). In an nn.Sequential the next layer gets the tuple ("linear():
argument 'input' (position 1) must be Tensor, not tuple"); in a forward, `out = self.lstm(x)` followed by
`out.size()`, `out[:, -1]` or `self.fc(out)` fails the same way ("'tuple' object has no attribute 'size'").
A `def forward(self, ...)` pasted without its class is read by its layers' names (`self.lstm`, `self.gru`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, kind_of, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._torch_names import is_functional, is_layer, is_torch_function, layer_call
from assistant.codecheck.detectors._widths import calls_of_held, held_layer

name = "rnn-output-used-as-tensor"
RECURRENT = ("LSTM", "GRU", "RNN", "LSTMCell")
RECURRENT_NAMES = re.compile(r"(?:bi|encoder_|decoder_)?(lstm|gru|rnn)\d*", re.I)  # self.lstm, self.bigru, self.rnn2
TUPLE_ATTRIBUTES = ("count", "index")
# torch functions that take one tensor (not a sequence of them, as cat and stack do)
TENSOR_FUNCTIONS = ("relu", "tanh", "sigmoid", "softmax", "log_softmax", "dropout", "gelu", "flatten", "squeeze",
                    "unsqueeze", "mean", "sum", "linear", "layer_norm", "matmul", "bmm", "transpose", "permute",
                    "cross_entropy", "mse_loss", "nll_loss", "leaky_relu", "elu", "silu", "max", "argmax")


@precondition(lambda code: not code.call_kinds.isdisjoint(RECURRENT) or "def forward(self" in code.source)
def check(code: Code) -> Iterator[Hit]:
    if "register_forward_hook" in code.source:
        return  # a hook may replace what the layer returns
    yield from _in_pasted_forward(code)
    if code.call_kinds.isdisjoint(RECURRENT):
        return
    for sequential in code.calls_of("Sequential"):
        if is_layer(sequential, "Sequential"):
            yield from _in_sequential(code, sequential)
    held = code.bound_to(*RECURRENT)
    for call in calls_of_held(code, held):
        spelled = dotted(call.func)
        if spelled is None or (spelled not in held and f"self.{spelled.rpartition('.')[2]}" not in held):
            continue
        layer = held_layer(code, call.func, RECURRENT)
        if layer is None or not _torch_layer(code, layer):
            continue
        for use in _uses(code, call):
            misuse = _as_tensor(code, use)
            if misuse is not None:  # the first misuse of each result: the one that raises
                yield Hit.at(code, use, f"{misuse}, but {source_of(call)} (line {call.lineno}) returns a tuple "
                             f"{_parts(kind_of(layer))}, not a tensor: {_unpack(call, kind_of(layer))}")
                break
        if kind_of(layer) == "LSTM":
            yield from _state_pair_used(code, call)


def _state_pair_used(code: Code, call: ast.Call) -> Iterator[Hit]:
    """`output, hidden = self.lstm(x)` and then `hidden` used as a tensor: an LSTM's state is the pair
    (h_n, c_n). The name must be bound only there in its scope."""
    statement = code.parents.get(call)
    if not (isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1
            and isinstance(target := statement.targets[0], ast.Tuple) and len(target.elts) == 2
            and isinstance(state := target.elts[1], ast.Name)):
        return
    scope = code.scope_of(statement)
    if len(code.assigned(scope, state.id)) != 1:
        return
    for node in sorted(_names_read(code, scope, state.id), key=lambda n: (n.lineno, n.col_offset)):
        if node.lineno > statement.lineno and (misuse := _as_tensor(code, node)) is not None:
            yield Hit.at(code, node, f"{misuse}, but {state.id} is the second value of {source_of(call)} (line "
                         f"{call.lineno}), an LSTM's state pair (h_n, c_n), not a tensor: unpack it, "
                         f"`output, (h_n, c_n) = {source_of(call)}`, and use h_n")
            return


def _torch_layer(code: Code, layer: ast.Call) -> bool:
    """nn.LSTM(...), or a bare LSTM(...) that is torch's (imported from torch.nn, or not imported at all)."""
    spelled = code.resolved(layer.func)
    return spelled is None or spelled.startswith("torch.nn.")


def _in_sequential(code: Code, sequential: ast.Call) -> Iterator[Hit]:
    layers = sequential.args
    for layer, following in zip(layers, layers[1:]):
        if is_layer(layer, *RECURRENT) and _torch_layer(code, layer) and isinstance(following, ast.Call) \
                and (code.resolved(following.func) or "").startswith("torch.nn.") and kind_of(following)[:1].isupper():
            yield Hit.at(code, following, f"{source_of(following)} in nn.Sequential receives the tuple {_parts(kind_of(layer))} "  # type: ignore[arg-type]
                         f"that {source_of(layer)} (line {layer.lineno}) returns, not a tensor: nn.Sequential passes "
                         "it on unchanged; write a module whose forward unpacks it (output, _ = self.rnn(x)) and "
                         "passes output[:, -1] or h_n[-1] to the next layer")


def _in_pasted_forward(code: Code) -> Iterator[Hit]:
    """`out = self.gru(x)` then `out[:, -1]` in a forward pasted alone: the layer is taken for what its
    attribute's name says (lstm, gru, rnn) when the file defines no class that could say otherwise."""
    if code.classes:
        return
    for forward in code.tree.body:
        if not (isinstance(forward, ast.FunctionDef) and forward.name == "forward" and forward.args.args
                and forward.args.args[0].arg == "self"):
            continue
        for call in (n for n in ast.walk(forward) if isinstance(n, ast.Call)):
            spelled = dotted(call.func) or ""
            found = RECURRENT_NAMES.fullmatch(spelled.removeprefix("self.")) if spelled.startswith("self.") else None
            if found is None:
                continue
            kind = found.group(1).upper()
            misuse = next((m for use in _uses(code, call) if (m := _as_tensor(code, use)) is not None), None)
            if misuse is not None:
                yield Hit.at(code, call, f"{misuse}, but {source_of(call)} (line {call.lineno}), an nn.{kind} by its "
                             f"name, returns a tuple {_parts(kind)}, not a tensor: {_unpack(call, kind)}")


def _parts(kind: str) -> str:
    return "(h, c)" if kind == "LSTMCell" else "(output, (h_n, c_n))" if kind == "LSTM" else "(output, h_n)"


def _unpack(call: ast.Call, kind: str) -> str:
    names = "h, c" if kind == "LSTMCell" else "output, (h_n, c_n)" if kind == "LSTM" else "output, h_n"
    return f"unpack it first, `{names} = {source_of(call)}`"


def _uses(code: Code, call: ast.Call) -> Iterator[ast.expr]:
    """The call itself, or each use of the name it is bound to that certainly sees that value."""
    statement = code.parents.get(call)
    if isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1 \
            and isinstance(statement.targets[0], ast.Name):
        bound = statement.targets[0].id
        scope = code.scope_of(statement)
        for node in sorted(_names_read(code, scope, bound), key=lambda n: (n.lineno, n.col_offset)):
            if node.lineno > statement.lineno and code.reaching_value(node) is call:
                yield node
    else:
        yield call


def _names_read(code: Code, scope: ast.AST, name: str) -> list[ast.Name]:
    """The reads of a name in a scope (all scopes' sorted out in one pass over the file)."""
    if "names read by scope" not in code.memo:
        found: dict[tuple[ast.AST, str], list[ast.Name]] = {}
        for node in code.nodes_of(ast.Name):
            if isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                found.setdefault((code.scope_of(node), node.id), []).append(node)  # type: ignore[attr-defined]
        code.memo["names read by scope"] = found
    return code.memo["names read by scope"].get((scope, name), [])  # type: ignore[attr-defined]


def _as_tensor(code: Code, use: ast.expr) -> str | None:
    """How the code treats the tuple `use` as a tensor, in its words; None when it does not."""
    parent = code.parents.get(use)
    shown = source_of(use)
    if isinstance(parent, ast.Attribute) and parent.value is use and parent.attr not in TUPLE_ATTRIBUTES:
        called = code.parents.get(parent)
        if isinstance(called, ast.Call) and called.func is parent:
            return f"{source_of(called)} calls a tensor method"
        return f"{shown}.{parent.attr} reads a tensor attribute"
    if isinstance(parent, ast.Subscript) and parent.value is use and isinstance(parent.slice, (ast.Slice, ast.Tuple)):
        return f"{source_of(parent)} indexes it as a tensor"
    if isinstance(parent, ast.Call) and use in parent.args and len(parent.args) == 1:
        if is_functional(parent, *TENSOR_FUNCTIONS) or is_torch_function(parent, *TENSOR_FUNCTIONS):
            return f"{source_of(parent.func)}({shown}) takes a tensor"
        built = layer_call(code, parent.func) if dotted(parent.func) is not None else None
        spelled = code.resolved(built.func) if isinstance(built, ast.Call) else None
        kind = (spelled or "").removeprefix("torch.nn.")
        if spelled and spelled.startswith("torch.nn.") and kind.isidentifier() and kind[:1].isupper() \
                and kind not in ("Sequential", "ModuleList", "ModuleDict"):
            return f"{source_of(parent.func)}({shown}) gives it to a {kind}"
    return None
