"""The user's file parsed once, and what every detector asks of it.

Detectors are small because they share this: the syntax tree (stdlib `ast`, no torch), each node's
parent, the scopes (module, class, function) with the names assigned in them, and the dotted name
a call or an expression spells. Everything is computed lazily and at most once per file.
"""

from __future__ import annotations

import ast
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property, wraps
from typing import TypeVar

Scope = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_Name, _Attribute = ast.Name, ast.Attribute  # read as globals by dotted(), not looked up on `ast` per call


def dotted(node: ast.AST) -> str | None:
    """`self.fc` for an attribute chain of names, `model` for a name, None for anything else.
    (A loop, not recursion: every detector asks this of thousands of nodes, half of them a name and
    most of the rest one attribute of a name, `self.fc`, which is spelled without building a list.)"""
    if isinstance(node, _Name):
        return node.id
    if not isinstance(node, _Attribute):
        return None
    value = node.value
    if isinstance(value, _Name):
        return f"{value.id}.{node.attr}"
    parts = [node.attr]
    while isinstance(value, _Attribute):
        parts.append(value.attr)
        value = value.value
    if not isinstance(value, _Name):
        return None
    parts.append(value.id)
    return ".".join(reversed(parts))


def children(node: ast.AST) -> list[ast.AST]:
    """ast.iter_child_nodes(node) as a list, in the same order, read from `_fields` directly."""
    found: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, ast.AST))
    return found


def callee(call: ast.Call) -> str | None:
    return dotted(call.func)


def kind_of(call: ast.AST) -> str:
    """The class, function or method a call names, without what precedes it: `Linear` for
    `nn.Linear(...)`, `view` for `x.transpose(1, 2).view(...)`."""
    return _last_name(call.func) if isinstance(call, ast.Call) else ""


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    """The argument at this position or under this keyword."""
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    if index < len(positional) and len(positional) == len(call.args):
        return positional[index]
    return keyword(call, name)


def has_star_arguments(call: ast.Call) -> bool:
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)


def constant(node: ast.AST | None) -> object:
    """The value of a literal (numbers, strings, None, True), else the `NotImplemented` marker."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        return -value if isinstance(value, (int, float)) and not isinstance(value, bool) else NotImplemented
    return NotImplemented


def _last_name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def source_of(node: ast.AST) -> str:
    return ast.unparse(node)


_Result = TypeVar("_Result")
_MISSING = object()


def _per_file(method: Callable[..., _Result]) -> Callable[..., _Result]:
    """A Code method whose answer depends only on the file and its arguments (nodes, names), worked
    out once per file: detectors ask reaching_value, _binding and resolved of the same few hundred
    nodes thousands of times over (a 2,000-line file: 7,500 _binding calls for 1,300 answers)."""
    key = ("Code", method.__name__)

    @wraps(method)
    def once(self: Code, *args: object) -> _Result:
        memo = self.memo.get(key)
        if memo is None:
            memo = self.memo[key] = {}
        if (found := memo.get(args, _MISSING)) is _MISSING:
            found = memo[args] = method(self, *args)
        return found  # type: ignore[return-value]
    return once


class Code:
    """One file for every detector: parsed once; raises SyntaxError for code that does not parse."""

    def __init__(self, source: str, filename: str = "<code>") -> None:
        self.source = source
        try:
            self.tree = ast.parse(source, filename=filename)
        except (RecursionError, MemoryError):  # as callers of check_source expect: code that cannot be parsed
            raise SyntaxError("nested too deeply to parse", (filename, 1, 1, None)) from None
        self.memo: dict[object, object] = {}  # detector helpers' results for this file, by their own keys
        self._bound_to: dict[tuple[str, ...], frozenset[str]] = {}

    @_per_file
    def mentions(self, text: str) -> bool:
        """`text in self.source`, searched once per file: helpers that ask it on every value they
        follow (dtype_of, tens of thousands of characters each time) ask the same few words."""
        return text in self.source

    @cached_property
    def lines(self) -> list[str]:
        return self.source.splitlines()

    @cached_property
    def comments(self) -> dict[int, str]:
        """The comment on each line, without its `#`. A `#` starts one unless a string literal of the
        tree spans it; reading those spans is ten times faster than tokenizing a 2,000-line file,
        which cost `kb lint` more than all its detectors together."""
        marked = {number: line for number, line in enumerate(self.lines, 1) if "#" in line}
        if not marked:
            return {}
        quoted: dict[int, list[tuple[int, float]]] = defaultdict(list)  # byte spans of strings on each line
        for node in (*self.nodes_of(ast.Constant), *self.nodes_of(ast.JoinedStr)):
            if isinstance(node, ast.JoinedStr) or isinstance(node.value, (str, bytes)):
                last = node.end_lineno or node.lineno
                for number in (n for n in range(node.lineno, last + 1) if n in marked):
                    quoted[number].append((node.col_offset if number == node.lineno else 0,
                                           node.end_col_offset if number == last else float("inf")))
        found = {}
        for number, line in marked.items():
            encoded, spans = line.encode("utf-8"), quoted.get(number, ())
            start = encoded.find(b"#")
            while start >= 0 and any(a <= start < b for a, b in spans):
                start = encoded.find(b"#", start + 1)
            if start >= 0:
                found[number] = encoded[start + 1:].decode("utf-8", "replace").strip()
        return found

    @cached_property
    def _index(self) -> tuple[tuple[ast.AST, ...], dict[ast.AST, ast.AST], dict[ast.AST, Scope], dict[type, list[ast.AST]]]:
        """Every node (depth first), each node's parent, each node's scope and the nodes of each
        class, from one walk of the tree: detectors ask for nodes of a kind, not walk the tree again.
        Children are read from `_fields` as ast.iter_child_nodes does, without its generators, and
        without the Load/Store/Del markers of `ctx` (shared objects that tell nothing as nodes; a
        third of all nodes): a detector reads them as `node.ctx`."""
        nodes: list[ast.AST] = []
        parents: dict[ast.AST, ast.AST] = {}
        scopes: dict[ast.AST, Scope] = {}
        by_type: dict[type, list[ast.AST]] = defaultdict(list)
        stack: list[tuple[ast.AST, Scope]] = [(self.tree, self.tree)]
        node_class, scope_classes, child_fields = ast.AST, SCOPES, _CHILD_FIELDS
        while stack:
            node, scope = stack.pop()
            nodes.append(node)
            by_type[node.__class__].append(node)
            inner = node if isinstance(node, scope_classes) else scope
            if (fields := child_fields.get(node.__class__)) is None:
                fields = child_fields[node.__class__] = tuple(f for f in node._fields if f != "ctx")
            for name in fields:
                value = getattr(node, name, None)
                if isinstance(value, node_class):
                    parents[value] = node
                    scopes[value] = inner
                    stack.append((value, inner))
                elif isinstance(value, list):
                    for child in value:
                        if isinstance(child, node_class):
                            parents[child] = node
                            scopes[child] = inner
                            stack.append((child, inner))
        return tuple(nodes), parents, scopes, by_type

    @cached_property
    def nodes(self) -> tuple[ast.AST, ...]:
        return self._index[0]

    def nodes_of(self, *classes: type) -> list[ast.AST]:
        """The nodes that are instances of these classes, in the order of `nodes`, without a walk:
        `code.nodes_of(ast.With)` is `[n for n in code.nodes if isinstance(n, ast.With)]`."""
        by_type = self._index[3]
        found = [kind for kind in by_type if issubclass(kind, classes)]
        if len(found) == 1:
            return by_type[found[0]]
        position = self._position
        return sorted((node for kind in found for node in by_type[kind]), key=lambda node: position[node])

    @cached_property
    def _position(self) -> dict[ast.AST, int]:
        return {node: index for index, node in enumerate(self.nodes)}

    def descendants(self, node: ast.AST, *classes: type) -> list[ast.AST]:
        """The nodes of these classes inside `node` (itself included) that `ast.walk(node)` yields, in
        the order of `nodes`, read from the index: a subtree is one run of `nodes`, so this costs what
        it finds where a walk costs the whole subtree (detectors ask it of every function and
        statement). Operators and ctx markers, shared objects rather than places in the tree, and nodes
        the tree does not hold (built by a detector) are walked for instead."""
        start = self._position.get(node)
        if start is None or any(issubclass(kind, _SHARED_NODES) or issubclass(shared, kind)
                                for kind in classes for shared in _SHARED_NODES):
            return [found for found in ast.walk(node) if isinstance(found, classes)]
        by_type, positions = self._index[3], self._positions_by_type
        kinds, end = [kind for kind in by_type if issubclass(kind, classes)], self._subtree_ends[start]
        found = [n for kind in kinds
                 for n in by_type[kind][bisect_left(positions[kind], start):bisect_right(positions[kind], end)]]
        if len(kinds) > 1:
            found.sort(key=self._position.__getitem__)
        return found

    @cached_property
    def _subtree_ends(self) -> list[int]:
        """The position in `nodes` of the last node inside each node's subtree (depth first, so the
        subtree is the run from the node to there)."""
        nodes, parents, position = self.nodes, self.parents, self._position
        ends = list(range(len(nodes)))
        for index in range(len(nodes) - 1, 0, -1):
            node = nodes[index]
            if not isinstance(node, _SHARED_NODES):  # its parent entry names only one of the places it stands
                parent = position[parents[node]]
                if ends[index] > ends[parent]:
                    ends[parent] = ends[index]
        return ends

    @cached_property
    def _positions_by_type(self) -> dict[type, list[int]]:
        position = self._position
        return {kind: [position[node] for node in found] for kind, found in self._index[3].items()}

    def calls_on(self, name: str) -> list[ast.Call]:
        """The method calls (`model.half()`, `self.model.to(x)`) whose receiver's dotted name starts
        with this name (`model`, `self`), in the order of `calls`; "" for receivers that are no dotted
        name (`f(x).to(y)`): detectors ask what a model is cast or moved with, for every model."""
        return self._calls_by_receiver.get(name, [])

    @cached_property
    def _calls_by_receiver(self) -> dict[str, list[ast.Call]]:
        found: dict[str, list[ast.Call]] = defaultdict(list)
        for call in self.calls:
            if isinstance(call.func, ast.Attribute):
                found[(dotted(call.func.value) or "").split(".")[0]].append(call)
        return found

    @cached_property
    def calls(self) -> tuple[ast.Call, ...]:
        return tuple(self.nodes_of(ast.Call))

    @cached_property
    def callees(self) -> tuple[str | None, ...]:
        """`callee(call)` of each of `calls`, in the same order: worked out once for the detectors
        that filter every call of the file by the name it calls."""
        return tuple(dotted(call.func) for call in self.calls)

    @cached_property
    def _calls_by_kind(self) -> dict[str, list[ast.Call]]:
        found: dict[str, list[ast.Call]] = defaultdict(list)
        for call in self.calls:
            found[kind_of(call)].append(call)
        return found

    @cached_property
    def call_kinds(self) -> frozenset[str]:
        """The last name part of every call, for the cheap preconditions."""
        return frozenset(self._calls_by_kind)

    def calls_of(self, *kinds: str) -> list[ast.Call]:
        """The calls whose last name part is one of these (`softmax` for `F.softmax(x)` and
        `x.softmax()`), in the order of the file."""
        if len(kinds) == 1:
            return self._calls_by_kind.get(kinds[0], [])
        found = [call for kind in kinds for call in self._calls_by_kind.get(kind, [])]
        return sorted(found, key=lambda call: (call.lineno, call.col_offset))

    def calls_spelled(self, *names: str | None) -> list[ast.Call]:
        """The calls whose callee (`dotted(call.func)`) is one of these names, None standing for calls
        of anything else, in the order of `calls`: detectors that look for the calls of the names bound
        to some layer or loss need not test every call of the file."""
        by_callee = self._calls_by_callee
        if len(names) == 1:
            return by_callee.get(names[0], [])
        return self.in_file_order(call for name in set(names) for call in by_callee.get(name, ()))

    @cached_property
    def _calls_by_callee(self) -> dict[str | None, list[ast.Call]]:
        found: dict[str | None, list[ast.Call]] = defaultdict(list)
        for call, spelled in zip(self.calls, self.callees):
            found[spelled].append(call)
        return found

    def in_file_order(self, nodes: Iterable[ast.AST]) -> list[ast.AST]:
        """These nodes of the tree, each once, in the order of `nodes` (what a walk would meet first):
        for merging what several indexes hold without changing the order a detector reports in."""
        position = self._position
        return sorted({id(node): node for node in nodes}.values(), key=position.__getitem__)

    @cached_property
    def attributes(self) -> frozenset[str]:
        return frozenset(n.attr for n in self.nodes_of(ast.Attribute))

    @property
    def parents(self) -> dict[ast.AST, ast.AST]:
        return self._index[1]

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while (node := self.parents.get(node)) is not None:
            yield node

    def scope_of(self, node: ast.AST) -> Scope:
        """The module, class or function whose body holds the node (a def's own name and
        decorators count as inside it; its body is what matters here)."""
        return self._index[2].get(node, self.tree)

    def bound_to(self, *kinds: str) -> frozenset[str]:
        """The names (`bn`, `self.bn`) that some assignment binds to a call of one of these kinds
        (`BatchNorm1d`): a cheap filter before a detector follows a name for certain."""
        if (found := self._bound_to.get(kinds)) is None:
            found = self._bound_to[kinds] = frozenset().union(*(self._bound_by_kind.get(kind, ()) for kind in kinds))
        return found

    @cached_property
    def _bound_by_kind(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for scope in self._assignments.values():
            for name, values in scope.items():
                for value in values:
                    if isinstance(value, ast.Call):
                        found[_last_name(value.func)].add(name)
        return found

    @cached_property
    def classes(self) -> tuple[ast.ClassDef, ...]:
        return tuple(self.nodes_of(ast.ClassDef))

    @cached_property
    def functions(self) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]:
        return tuple(self.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef))

    @cached_property
    def _assignments(self) -> dict[ast.AST, dict[str, list[ast.expr]]]:
        found: dict[ast.AST, dict[str, list[ast.expr]]] = defaultdict(lambda: defaultdict(list))
        for node in self.nodes_of(*_BINDING):
            for target, value in _assigned(node):
                if (name := dotted(target)) is not None:
                    found[self.scope_of(node)][name].append(value)
        return found

    def assigned(self, scope: ast.AST, name: str) -> list[ast.expr]:
        """Every value bound to `name` (`x`, `self.fc`) directly in this scope, in order. A value
        that is not an expression (a loop variable, an unpacked tuple) counts as an unknown."""
        return self._assignments.get(scope, {}).get(name, [])

    def value_of(self, scope: ast.AST, name: str) -> ast.expr | None:
        """What `name` holds in this scope when it is bound there exactly once, else None: a
        detector unsure what a name holds must not fire."""
        values = self.assigned(scope, name)
        return values[0] if len(values) == 1 else None

    def attribute_value(self, cls: ast.ClassDef, attribute: str) -> ast.expr | None:
        """What `self.<attribute>` is set to in the class, when it is set exactly once (in any method)."""
        values = [v for method in cls.body if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for v in self.assigned(method, f"self.{attribute}")]
        return values[0] if len(values) == 1 else None

    @_per_file
    def reaching_value(self, use: ast.Name) -> ast.expr | None:
        """The value of the plain `name = value` that the use of a name certainly sees: the nearest
        binding above it in straight-line code of its own scope. None when a branch, a loop or
        anything but a plain assignment may have bound it in between: then the value is not known."""
        statement = self._statement_of(use)
        while statement is not None:
            if (place := self._places.get(statement)) is None:  # a `case` of a match statement: a branch, so not known
                return None
            body, index, bound_inside = place[0], place[1], self._bound_inside
            for previous in reversed(body[:index]):
                if use.id in bound_inside.get(previous, ()) and (found := self._binding(previous, use.id)) is not None:
                    return found if isinstance(found, ast.expr) and found is not _UNKNOWN else None
            parent = self.parents.get(statement)
            if parent is None or isinstance(parent, SCOPES):
                return self.value_of(parent, use.id) if isinstance(parent, ast.Module) else self._global_value(
                    parent, use.id)
            if isinstance(parent, (ast.For, ast.While, ast.AsyncFor)) and self._binding(parent, use.id) is not None:
                return None  # bound later in the loop: the next iteration sees that value
            statement = parent  # type: ignore[assignment]
        return None

    def _global_value(self, scope: ast.AST, name: str) -> ast.expr | None:
        """A function's read of a module-level name (bound once there) that the function itself
        never binds, as a parameter or otherwise."""
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) or self.assigned(scope, name):
            return None
        arguments = scope.args
        if name in {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                    *filter(None, [arguments.vararg, arguments.kwarg])]}:
            return None
        return self.value_of(self.tree, name)

    def _statement_of(self, node: ast.AST) -> ast.stmt | None:
        while node is not None and not (isinstance(node, ast.stmt) and self._body_holding(node)):
            node = self.parents.get(node)  # type: ignore[assignment]
        return node  # type: ignore[return-value]

    def _body_holding(self, statement: ast.AST) -> list[ast.stmt]:
        place = self._places.get(statement)
        return place[0] if place is not None else []

    @cached_property
    def _places(self) -> dict[ast.AST, tuple[list[ast.stmt], int]]:
        """The statement list holding each statement (its parent's body, orelse, finalbody or
        handlers) and its index there, from one pass: reaching_value asked `statement in body` and
        `body.index(statement)` of module bodies hundreds of statements long, for every use."""
        found: dict[ast.AST, tuple[list[ast.stmt], int]] = {}
        for kind, parents in self._index[3].items():
            fields = [f for f in ("body", "orelse", "finalbody", "handlers") if f in kind._fields]
            for parent in parents if fields else ():
                for field in fields:
                    if isinstance(body := getattr(parent, field, None), list):
                        for index, statement in enumerate(body):
                            found.setdefault(statement, (body, index))
        return found

    @_per_file
    def _binding(self, statement: ast.stmt, name: str) -> ast.expr | bool | None:
        """What a statement binds to `name`: its value for a plain assignment, True for any other
        binding inside it (a branch, a loop, an unpacking), None when it does not bind it."""
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and dotted(statement.targets[0]) == name:
            return statement.value
        if isinstance(statement, ast.AnnAssign) and dotted(statement.target) == name and statement.value is not None:
            return statement.value
        if isinstance(statement, (ast.With, ast.AsyncWith)) and not any(
                item.optional_vars is not None and name in {dotted(t) for t in _names_in(item.optional_vars)}
                for item in statement.items):
            # a with block always runs its body: its last binding of the name is the one that reaches past it
            return next((found for inner in reversed(statement.body)
                         if (found := self._binding(inner, name)) is not None), None)
        return True if name in self._names_bound_in(statement) else None

    def _names_bound_in(self, statement: ast.stmt) -> frozenset[str] | set[str]:
        """Every name a statement binds anywhere inside it (definitions and assignments)."""
        return self._bound_inside.get(statement, frozenset())

    @cached_property
    def _binders(self) -> list[tuple[ast.AST, list[str]]]:
        """Each definition or binding of the file with the names it binds."""
        by_type = self._index[3]
        found = [(node, [node.name]) for kind in _DEFINITION for node in by_type.get(kind, ())]
        found += [(node, [name for target, _ in _assigned(node) if (name := dotted(target))])
                  for kind in _BINDING for node in by_type.get(kind, ())]
        return found

    @cached_property
    def _bound_inside(self) -> dict[ast.AST, set[str]]:
        """The names bound inside each statement, from one pass over the bindings: reaching_value
        asks this of the same statements again and again."""
        found: dict[ast.AST, set[str]] = defaultdict(set)
        parents, statement = self.parents, ast.stmt
        for node, names in self._binders:
            holder: ast.AST | None = node
            while holder is not None:
                if isinstance(holder, statement):
                    found[holder].update(names)
                holder = parents.get(holder)
        return found

    @cached_property
    def imported(self) -> dict[str, str]:
        """What each imported name stands for: {"F": "torch.nn.functional", "nn": "torch.nn",
        "checkpoint": "torch.utils.checkpoint.checkpoint"} (absolute imports anywhere in the file).
        A pasted fragment often leaves its imports out: the conventional names (torch, nn, F, np,
        optim) stand for their usual modules unless the file binds them some other way."""
        bound_here = {name for _, names in self._binders for name in names}
        found = {name: module for name, module in CONVENTIONAL_IMPORTS.items() if name not in bound_here}
        for node in self.nodes_of(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return found

    @_per_file
    def resolved(self, node: ast.AST) -> str | None:
        """The full dotted name an expression spells through the imports (`F.softmax` is
        `torch.nn.functional.softmax`); None when its first name was not imported."""
        name = dotted(node)
        root, _, rest = (name or "").partition(".")
        if root not in self.imported:
            return None
        return f"{self.imported[root]}.{rest}" if rest else self.imported[root]

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        return next((a for a in self.ancestors(node) if isinstance(a, ast.ClassDef)), None)


CONVENTIONAL_IMPORTS = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "np": "numpy",
                        "optim": "torch.optim"}
_UNKNOWN = ast.Constant(value=NotImplemented)
_SHARED_NODES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)  # one object at many places
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}  # each node class's fields that may hold nodes
_DEFINITION = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BINDING = (ast.Assign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.comprehension, ast.With, ast.AsyncWith, ast.NamedExpr)


def _assigned(node: ast.AST) -> Iterator[tuple[ast.expr, ast.expr]]:
    """(target, value) for each binding this statement makes; targets bound by anything other than
    a plain `name = value` get the unknown value, so that they make a name ambiguous. `x += y` is
    not a new binding here: on a tensor it updates the same object in place."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                yield from ((element, _UNKNOWN) for element in target.elts)
            else:
                yield target, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        yield node.target, node.value
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        yield from ((t, _UNKNOWN) for t in _names_in(node.target))
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        yield from ((t, _UNKNOWN) for item in node.items if item.optional_vars for t in _names_in(item.optional_vars))
    elif isinstance(node, ast.NamedExpr):
        yield node.target, node.value


def _names_in(target: ast.expr) -> Iterator[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names_in(element)
    elif isinstance(target, ast.Starred):
        yield from _names_in(target.value)
    else:
        yield target
