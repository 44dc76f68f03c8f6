"""Embedding lookups, gather/scatter/index_select and tensor indexing take integer positions (or a
bool mask for indexing); floats are refused even when they hold whole numbers, as they do after
`floor()`, `arange(0., n)` or a `torch.zeros` buffer filled with token ids. The recipe converts
the indices the failing line uses: at the lookup for embedding and gather-style calls, and where
an index tensor was computed for subscripts, choosing `.long()` for computed positions and
`.bool()` for a comparison-made mask, and leaving alone a subscript whose index it cannot place.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, positional

name = "integer-indices"
EMBEDDINGS = ("Embedding", "EmbeddingBag")
_INDEXED = ("gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "index_copy",
            "index_fill")
_FUNCTIONAL_EMBEDDINGS = ("F.embedding", "nn.functional.embedding", "torch.nn.functional.embedding", "embedding")
_FLOATS = ("float", "double", "half")
_POSITIONS = ("floor", "ceil", "round", "trunc", "arange", "linspace", "argsort", "multinomial", "div", "floor_divide")


@needs_failing_line
def match(problem: Problem) -> list[tuple[cst.BaseExpression, str]] | None:
    """(index expression, conversion) for each index the failing line passes."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        calls = script.calls_on(line)
        found = [(arg.value, "long()") for call in calls if (arg := _index_argument(script, call)) is not None]
        found += _subscript_indices(script, line)
        if found:
            return found
    return None


def apply(problem: Problem, indices: list[tuple[cst.BaseExpression, str]]) -> Edits:
    edits = problem.edits()
    for index, conversion in dict(indices).items():
        edits.replace(index, _converted(problem.script, index, conversion))
    return edits


def _converted(script: Script, index: cst.BaseExpression, conversion: str) -> cst.BaseExpression:
    """`ids.float()` becomes `ids.long()`; anything else gets the conversion appended."""
    if (isinstance(index, cst.Call) and not index.args and isinstance(index.func, cst.Attribute)
            and index.func.attr.value in _FLOATS):
        return index.with_changes(func=index.func.with_changes(attr=cst.Name(conversion.removesuffix("()"))))
    return script.with_method(index, conversion)


def _index_argument(script: Script, call: cst.Call) -> cst.Arg | None:
    """The ids of an embedding lookup (`self.emb(ids)`, `F.embedding(ids, w)`) or the index of a
    gather-style call (`x.gather(1, idx)`, `torch.gather(x, 1, idx)`)."""
    args, name = positional(call), callee(call)
    if (name is not None and script.built_from(name, EMBEDDINGS)) or name in _FUNCTIONAL_EMBEDDINGS:
        return args[0] if args else None
    if kind_of(call) not in _INDEXED:
        return None
    method = isinstance(call.func, cst.Attribute) and dotted(call.func.value) != "torch"
    position = 1 if method else 2
    return keyword(call, "index") or (args[position] if len(args) > position else None)


def _subscript_indices(script: Script, line: int) -> list[tuple[cst.BaseExpression, str]]:
    """Names used as indices on the line whose assignment computed float positions or a float mask:
    the assigned value is what gets converted, once, where it is made."""
    found = []
    for subscript in script.nodes(cst.Subscript):
        if not script.covers(subscript, line):
            continue
        for element in subscript.slice:
            index = element.slice
            origin = script.bindings.get(index.value.value) if m.matches(index, m.Index(m.Name())) else None
            if origin is not None and (conversion := _conversion(origin)):
                found.append((origin, conversion))
    return found


def _conversion(origin: cst.Call) -> str | None:
    if m.findall(origin, m.Comparison()):
        return "bool()"
    made = {_called(call) for call in m.findall(origin, m.Call()) if isinstance(call, cst.Call)}
    return "long()" if made & set(_POSITIONS) else None


def _called(call: cst.Call) -> str:
    """The function or method a call names, also on an expression: `floor` for `(a * n).floor()`."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else kind_of(call)
