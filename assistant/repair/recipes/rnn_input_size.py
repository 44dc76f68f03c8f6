"""A recurrent layer built with an `input_size` other than the feature size (the last axis) of
what it is fed. The entry's fix takes the size from the layer that produces the features,
`input_size=self.emb.embedding_dim`, instead of typing the number twice, so the recipe follows the
RNN's input back (through names, the caller's arguments, dropout and activations) to an Embedding
or a Linear and writes that layer's attribute; for a tensor built in the file it writes the
feature count the message gives. When the size the layer takes is another axis of that tensor
the layout is wrong, not the size, and the recipe does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from assistant.repair.recipes import Problem, needs_calls
from assistant.repair.recipes._definitions import MAX_DEPTH, assignment, loop_binding, loop_source, passed
from assistant.repair.recipes._edit import (
    Edits, Script, callee, constants, dotted, evaluate, expr, keyword, kind_of, positional,
)
from assistant.repair.recipes._values import integer

name = "rnn-input-size"
RNNS = ("LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell")
PRODUCERS = {"Embedding": "embedding_dim", "Linear": "out_features"}  # a layer's output feature size
SAME_FEATURES = ("Dropout", "ReLU", "GELU", "Tanh", "LeakyReLU", "dropout", "relu", "gelu", "tanh", "leaky_relu")
CREATIONS = ("randn", "rand", "zeros", "ones", "empty", "randint")


@dataclass(frozen=True)
class _Trace:
    """Following one RNN's input back to where its features were made."""

    script: Script
    layer: cst.Call  # the RNN's constructor
    got: int  # the feature size the input has
    expected: int  # the input_size the layer was built with
    lines: tuple[int, ...]

    def size(self, data: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression | None:
        """How to spell the feature size of `data` at the RNN's constructor."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(data, cst.Call):
            return self._size_of_call(data, depth)
        if isinstance(data, cst.Subscript) and len(data.slice) == 1:  # `X[i]`, `X[:32]`: rows of X
            return self.size(data.value, depth + 1)
        if (name := dotted(data)) is None:
            return None
        return self.size(source, depth + 1) if (source := self._source(name, data)) is not None else None

    def _source(self, name: str, data: cst.BaseExpression) -> cst.BaseExpression | None:
        """What a name holds: its assignment, the caller's argument, or the tensor a loop batches."""
        if (bound := assignment(self.script, name, data)) is not None:
            return bound[1]
        if (argument := passed(self.script, name, data, self.lines)) is not None:
            return argument
        loop = loop_binding(self.script, name, data)
        return loop_source(self.script, name, loop) if loop is not None else None

    def _size_of_call(self, data: cst.Call, depth: int) -> cst.BaseExpression | None:
        script, produced_by = self.script, callee(data) or ""
        if (built := script.built_from(produced_by, PRODUCERS)) is not None:
            readable = _readable(script, produced_by, self.layer)
            return expr(f"{produced_by}.{PRODUCERS[kind_of(built)]}") if readable else cst.Integer(str(self.got))
        if (channels := self._channels_last(data, depth)) is not None:
            return channels
        if _keeps_features(script, data):
            return self.size(positional(data)[0].value, depth + 1) if positional(data) else None
        return self._created(data) if kind_of(data) in CREATIONS else None

    def _channels_last(self, data: cst.Call, depth: int) -> cst.BaseExpression | None:
        """`conv(x).permute(0, 2, 1)` or `.transpose(1, 2)`: a Conv1d's channels moved last are
        the features, so the size is the Conv1d's `out_channels`."""
        if not (isinstance(data.func, cst.Attribute) and data.func.attr.value in ("permute", "transpose")):
            return None
        axes = tuple(evaluate(arg.value, {}) for arg in positional(data))
        if axes not in ((0, 2, 1), (1, 2), (2, 1), (1, -1), (-1, 1), (-2, -1), (-1, -2)):
            return None
        producer = data.func.value
        while isinstance(producer, cst.Call) and _keeps_features(self.script, producer) and positional(producer):
            producer = positional(producer)[0].value
        conv = callee(producer) if isinstance(producer, cst.Call) else None
        if conv and self.script.built_from(conv, ("Conv1d",)) is not None and _readable(self.script, conv, self.layer):
            return expr(f"{conv}.out_channels")
        return None

    def _created(self, data: cst.Call) -> cst.BaseExpression | None:
        """The feature count when the tensor (of the batched rank) has the message's size last; None
        when the size the layer takes is another axis of it (features on the wrong axis), when it
        is a rank short (a series that lacks its feature axis) or when the sizes are unknown."""
        env = constants(self.script)
        shape = _randint_sizes(data, env) if kind_of(data) == "randint" else [evaluate(a.value, env) for a in positional(data)]
        rank = 2 if kind_of(self.layer).endswith("Cell") else 3
        if len(shape) == rank and self.expected in shape[:-1]:
            raise _WrongLayout
        if len(shape) != rank or shape[-1] != self.got:
            return None
        return cst.Integer(str(self.got))


@needs_calls(*RNNS)
def match(problem: Problem) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(the RNN's input_size argument, what to write there)."""
    try:
        got, expected = int(problem.facts.values["got"]), int(problem.facts.values["expected"])
    except (KeyError, ValueError):
        return None
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            layer = script.built_from(callee(call) or "", RNNS)
            argument = (keyword(layer, "input_size") or (positional(layer)[:1] or [None])[0]) if layer else None
            if argument is not None and positional(call):
                trace = _Trace(script, layer, got, expected, problem.facts.user_lines)
                try:
                    size = trace.size(positional(call)[0].value) or _from_message(script, argument, got, expected)
                except _WrongLayout:
                    return None
                return (argument.value, size) if size is not None else None
    return None


class _WrongLayout(Exception):
    """The size the layer takes is another axis of its input: the layout is wrong, not the size."""


def _from_message(script: Script, argument: cst.Arg, got: int, expected: int) -> cst.BaseExpression | None:
    """The message's feature count, when the input's origin cannot be followed (a Dataset's
    `__getitem__`, a reshaping helper) but the argument is known to hold the size the message
    says the layer has, and no tensor the file creates carries that size on another axis than
    its last (the sign of features on the wrong axis)."""
    if integer(script, argument.value) != expected:
        return None
    env = constants(script)
    for creation in script.constructors(CREATIONS):
        shape = [evaluate(arg.value, env) for arg in positional(creation)]
        if got in shape and expected in shape[:-1]:
            return None
    return cst.Integer(str(got))


def apply(problem: Problem, found: tuple[cst.BaseExpression, cst.BaseExpression]) -> Edits:
    argument, size = found
    edits = problem.edits()
    edits.replace(argument, size)
    return edits


def _keeps_features(script: Script, data: cst.Call) -> bool:
    """`self.drop(x)`, `F.relu(x)`, `torch.tanh(x)`: calls whose output has the input's features."""
    bound = script.bindings.get(callee(data) or "")
    return kind_of(data) in SAME_FEATURES or (bound is not None and kind_of(bound) in SAME_FEATURES)


def _randint_sizes(data: cst.Call, env: dict[str, int]) -> list[int | None]:
    size = keyword(data, "size") or (positional(data)[-1:] or [None])[0]
    if size is None or not isinstance(size.value, (cst.Tuple, cst.List)):
        return []
    return [evaluate(element.value, env) for element in size.value.elements]


def _readable(script: Script, producer: str, layer: cst.Call) -> bool:
    """Whether the producing layer exists where the RNN is built: assigned earlier in the same
    function (`self.emb` before `self.lstm` in `__init__`) or at module level."""
    bound = assignment(script, producer, layer)
    return bound is not None and script.function_of(bound[0]) in (None, script.function_of(layer))
