"""Embedding lookups, gather/scatter/index_select and tensor indexing take integer positions (or a
bool mask for indexing); floats are refused even when they hold whole numbers, as they do after
`floor()`, `arange(0., n)` or a `torch.zeros` buffer filled with token ids. The recipe converts
the indices the failing line uses: at the lookup for embedding and gather-style calls (an
embedding called by name, as the first layer of a Sequential, or from a ModuleList of tables),
leaving ids already known to be integers alone; for subscripts, each index known to hold floats
(followed to where it was made: `/`, `floor()`, `linspace`, float data from NumPy) is converted
where its name was assigned when the name serves only as an index, else at the subscript.
Computed positions get `.long()`, a comparison-made mask `.bool()`, a Python number from `/`
gets `//`; an index of unknown dtype is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, passed, returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, positional
from assistant.repair.recipes._float_values import is_float

name = "integer-indices"
EMBEDDINGS = ("Embedding", "EmbeddingBag")
_INDEXED = ("gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "index_copy",
            "index_fill")
_FUNCTIONAL_EMBEDDINGS = ("F.embedding", "nn.functional.embedding", "torch.nn.functional.embedding", "embedding")
_FLOATS = ("float", "double", "half")
MASK_WORDS = ("mask",)
_CONTAINERS = ("ModuleList", "ModuleDict")
_WRAPPERS = ("dict", "list", "range", "len", "enumerate", "zip", "items")
PYTHON_NUMBER = "are valid indices"  # a Python float as index, not a tensor


@needs_failing_line
def match(problem: Problem) -> list[tuple[cst.BaseExpression, str]] | None:
    """(index expression, conversion) for each index the failing line passes."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        calls = script.calls_on(line)
        found = [(arg.value, "long()") for call in calls
                 if (arg := _index_argument(script, call, problem.facts.user_lines)) is not None]
        found += _subscript_indices(script, line, PYTHON_NUMBER in problem.facts.message)
        if found:
            return found
    return None


def apply(problem: Problem, indices: list[tuple[cst.BaseExpression, str]]) -> Edits:
    edits = problem.edits()
    for index, conversion in dict(indices).items():
        if conversion == "//":
            edits.replace(index, index.with_changes(operator=cst.FloorDivide()))
        elif conversion == "int":
            edits.replace(index, cst.Call(cst.Name("int"), [cst.Arg(index)]))
        else:
            edits.replace(index, _converted(problem.script, index, conversion))
    return edits


def _converted(script: Script, index: cst.BaseExpression, conversion: str) -> cst.BaseExpression:
    """`ids.float()` becomes `ids.long()`; anything else gets the conversion appended."""
    if (isinstance(index, cst.Call) and not index.args and isinstance(index.func, cst.Attribute)
            and index.func.attr.value in _FLOATS):
        return index.with_changes(func=index.func.with_changes(attr=cst.Name(conversion.removesuffix("()"))))
    return script.with_method(index, conversion)


def _index_argument(script: Script, call: cst.Call, lines: Sequence[int]) -> cst.Arg | None:
    """The ids of an embedding lookup (`self.emb(ids)`, `F.embedding(ids, w)`, a Sequential that
    starts with an embedding, a table taken from a ModuleList of them) or the index of a
    gather-style call (`x.gather(1, idx)`, `torch.gather(x, 1, idx)`). Ids known to be integers
    already are not the float ones and are left alone."""
    args, name = positional(call), callee(call)
    if _is_lookup(script, call, lines) or name in _FUNCTIONAL_EMBEDDINGS:
        return args[0] if args and is_float(script, args[0].value) is not False else None
    if kind_of(call) not in _INDEXED:
        return None
    method = isinstance(call.func, cst.Attribute) and dotted(call.func.value) != "torch"
    position = 1 if method else 2
    return keyword(call, "index") or (args[position] if len(args) > position else None)


def _is_lookup(script: Script, call: cst.Call, lines: Sequence[int]) -> bool:
    """The call runs an embedding on its first argument: a name built as one (also through its
    `.forward`, a factory function of this file, or a parameter the caller on the traceback gave
    one), a Sequential whose first layer is one, or a member of a ModuleList/ModuleDict of them,
    taken by subscript (`self.tables[i](x)`) or by a loop or comprehension over the container."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "forward":
        func = func.value
    built = _built_layer(script, func, call, lines)
    if built is not None and (_is_embedding(built) or _starts_with_embedding(built)):
        return True
    if isinstance(func, cst.Subscript):
        return _holds_embeddings(script, func.value)
    return isinstance(func, cst.Name) and any(
        _holds_embeddings(script, source) for source in _iterated_for(script, call, func.value))


def _built_layer(script: Script, layer: cst.BaseExpression, user: cst.CSTNode, lines: Sequence[int]) -> cst.Call | None:
    """The constructor call behind a called name: its binding, what the factory it was bound to
    returns, or, for a parameter, the binding of what the caller on the traceback passed."""
    name = dotted(layer)
    if name is None:
        return None
    given = passed(script, name, user, lines) if "." not in name else None
    built = script.bindings.get(dotted(given) or "") if given is not None else script.bindings.get(name)
    returns = returned(script, built) if built is not None and kind_of(built) in script.defined_functions else []
    if len(returns) == 1 and isinstance(returns[0], cst.Call):
        return returns[0]
    return built


def _is_embedding(built: cst.Call) -> bool:
    """`nn.Embedding(...)`, or a table made by `nn.Embedding.from_pretrained(...)`."""
    name = callee(built) or ""
    return kind_of(built) in EMBEDDINGS or any(name.endswith(f"{kind}.from_pretrained") for kind in EMBEDDINGS)


def _starts_with_embedding(built: cst.Call) -> bool:
    args = positional(built)
    return (kind_of(built) == "Sequential" and bool(args) and isinstance(args[0].value, cst.Call)
            and kind_of(args[0].value) in EMBEDDINGS)


def _holds_embeddings(script: Script, container: cst.BaseExpression) -> bool:
    """A name bound to a ModuleList/ModuleDict whose members are all built as embeddings."""
    built = script.bindings.get(dotted(container) or "")
    if built is None or kind_of(built) not in _CONTAINERS:
        return False
    layers = [inner for inner in m.findall(built, m.Call()) if isinstance(inner, cst.Call)
              and inner is not built and kind_of(inner) not in _WRAPPERS]
    return bool(layers) and all(kind_of(layer) in EMBEDDINGS for layer in layers)


def _iterated_for(script: Script, user: cst.CSTNode, name: str) -> list[cst.BaseExpression]:
    """The names in what the loop or comprehension that binds `name` around `user` iterates over
    (`self.embs` of `for i, emb in enumerate(self.embs)`)."""
    for loop in _loops_around(script, user):
        if name in {found.value for found in m.findall(loop.target, m.Name()) if isinstance(found, cst.Name)}:
            return [found for found in m.findall(loop.iter, m.Name() | m.Attribute()) if dotted(found)]
    return []


def _loops_around(script: Script, user: cst.CSTNode) -> Iterator[cst.For | cst.CompFor]:
    """The `for` statements and comprehension clauses around `user`, innermost first."""
    for node in script.ancestors(user):
        if isinstance(node, cst.For):
            yield node
        elif isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            clause = node.for_in
            while clause is not None:
                yield clause
                clause = clause.inner_for_in


def _subscript_indices(script: Script, line: int, number: bool) -> list[tuple[cst.BaseExpression, str]]:
    """The float indices of the subscripts on the line, each placed where it is converted."""
    found = []
    for subscript in script.nodes(cst.Subscript):
        if script.covers(subscript, line):
            found += [_placed(script, element.slice.value, number) for element in subscript.slice
                      if isinstance(element.slice, cst.Index) and is_float(script, element.slice.value)]
    return found


def _placed(script: Script, index: cst.BaseExpression, number: bool) -> tuple[cst.BaseExpression, str]:
    """(where to convert, how): the value the index's name was assigned when the name serves
    only as an index (so nothing else sees the change), else the index itself; a mask (made by a
    comparison, or named one) becomes bool, a Python number made by `/` gets `//`."""
    name = dotted(index)
    bound = assignment(script, name, index) if name is not None else None
    origin = bound[1] if bound is not None else index
    target = origin if bound is not None and _only_indexes(script, name, index) else index
    if m.findall(origin, m.Comparison()) or _named_as_mask(index) or _named_as_mask(origin):
        return target, "bool()"
    if number:
        return target, "//" if m.matches(target, m.BinaryOperation(operator=m.Divide())) else "int"
    return target, "long()"


def _named_as_mask(node: cst.BaseExpression) -> bool:
    """A float tensor called a mask (`mask`, `valid_mask`) selects rows: `.long()` would
    turn its 0/1 values into the positions 0 and 1."""
    names = [found.value.lower() for found in m.findall(node, m.Name()) if isinstance(found, cst.Name)]
    return any(word in name for name in names for word in MASK_WORDS)


def _only_indexes(script: Script, name: str, user: cst.CSTNode) -> bool:
    """Every use of the name (in the user's function; anywhere for a `self.` attribute) is a
    subscript index or an assignment to it."""
    scope = script.function_of(user)
    uses = [node for node in script.nodes((cst.Name, cst.Attribute)) if dotted(node) == name
            and ("." in name or script.function_of(node) is scope)]
    return all(_indexes_or_binds(script, node) for node in uses)


def _indexes_or_binds(script: Script, node: cst.CSTNode) -> bool:
    parent = next(script.ancestors(node), None)
    if isinstance(parent, cst.AssignTarget) or (isinstance(parent, cst.Tuple) and _in_target(script, parent)):
        return True
    return isinstance(parent, cst.Index) and isinstance(next(script.ancestors(parent), None), cst.SubscriptElement)


def _in_target(script: Script, node: cst.CSTNode) -> bool:
    return any(isinstance(ancestor, cst.AssignTarget) for ancestor in script.ancestors(node))
