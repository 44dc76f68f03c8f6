"""What the recipes share: find the code a traceback points at, find how a layer was built, and
splice new code in with libcst so that everything else in the user's file keeps its exact text.

A recipe states *what* to change (this call's argument, a statement before that loop); this module
knows *where* things are (positions, parents, bindings) and *how* to rewrite without reformatting.
The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

TORCH_NAMESPACES = ("torch", "nn", "F", "np", "numpy", "math", "random", "plt", "os", "sys")
NOT_MODELS = frozenset(dir(builtins)) | {"self"}
_NON_MODEL_METHODS = frozenset({
    "to", "cuda", "cpu", "eval", "train", "parameters", "named_parameters", "state_dict", "load_state_dict",
    "apply", "double", "float", "half", "bfloat16", "zero_grad", "requires_grad_", "modules", "children",
    "named_modules", "named_children", "buffers", "register_buffer", "register_forward_hook", "share_memory",
})
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)


def parse_shape(value: str | None) -> tuple[int, ...] | None:
    """`torch.Size([1, 64])`, `[4, 8, 8, 3]` or `(2, 3)` as a tuple of ints."""
    if not value:
        return None
    numbers = re.findall(r"-?\d+", value)
    return tuple(int(n) for n in numbers) if numbers else None


def dotted(node: cst.BaseExpression) -> str | None:
    """`self.fc` for an attribute chain of names, `model` for a name, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute) and (base := dotted(node.value)):
        return f"{base}.{node.attr.value}"
    return None


def callee(call: cst.Call) -> str | None:
    return dotted(call.func)


def kind_of(call: cst.Call) -> str:
    """The class or function a call names, without its module: `Linear` for `nn.Linear(...)`."""
    name = callee(call)
    return name.rsplit(".", 1)[-1] if name else ""


def positional(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((arg for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


def calls_in(tree: cst.CSTNode) -> list[cst.Call]:
    return [node for node in m.findall(tree, m.Call()) if isinstance(node, cst.Call)]


def has_call(tree: cst.CSTNode, kinds: Iterable[str]) -> bool:
    """Whether the code calls any of these (constructors or functions), by their last name part."""
    wanted = set(kinds)
    return any(kind_of(call) in wanted for call in calls_in(tree))


def with_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    """The call with `name=value` appended to its arguments, spaced like `f(x, dim=-1)`; a call laid
    out one argument per line with a trailing comma gets it on a line of its own, like the others."""
    last = call.args[-1] if call.args else None
    if last is not None and isinstance(last.comma, cst.Comma) and isinstance(
            last.comma.whitespace_after, cst.ParenthesizedWhitespace):
        separators = [arg.comma for arg in call.args[:-1] if isinstance(arg.comma, cst.Comma)]
        separator = separators[-1] if separators else cst.Comma(whitespace_after=call.whitespace_before_args)
        added = _keyword_arg(name, value).with_changes(comma=last.comma)
        return call.with_changes(args=[*call.args[:-1], last.with_changes(comma=separator), added])
    args = list(call.args)
    if args:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, _keyword_arg(name, value)])


def _keyword_arg(name: str, value: str) -> cst.Arg:
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(value=expr(value), keyword=cst.Name(name),
                   equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space))


def without_keywords(call: cst.Call, names: Iterable[str]) -> cst.Call:
    """The call without these keyword arguments; the last argument left takes the removed last
    one's comma, so that a call spread over several lines keeps its layout."""
    dropped = set(names)
    return without_arguments(call, [arg for arg in call.args if arg.keyword is not None and arg.keyword.value in dropped])


def without_arguments(call: cst.Call, dropped: Sequence[cst.Arg]) -> cst.Call:
    """The call without these arguments, the last one left taking the removed last one's comma."""
    kept = [arg for arg in call.args if arg not in dropped]
    if kept and kept[-1] is not call.args[-1]:
        kept[-1] = kept[-1].with_changes(comma=call.args[-1].comma)
    return call.with_changes(args=kept)


def expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def statement(code: str) -> cst.BaseStatement:
    return cst.parse_statement(code)


def in_sequential(script: "Script", call: cst.Call) -> bool:
    """The layer is built as an argument of `nn.Sequential(...)`."""
    parent = script.parents.get(script.parents.get(call))
    return isinstance(parent, cst.Call) and kind_of(parent) == "Sequential"


def layer_subclass(nn: str, kind: str, name: str, doc: str, forward: str) -> cst.BaseStatement:
    """`class name(nn.kind)` whose forward returns `forward` (in terms of `x` and `super().forward`):
    how a layer built inside nn.Sequential gets an input rearranged around it, since Sequential
    has no place to write the rearranging call."""
    code = (f"class {name}({nn}.{kind}):\n"
            f'    """{doc}"""\n\n'
            f"    def forward(self, x):\n"
            f"        return {forward}\n")
    return statement(code).with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


class Script:
    """A parsed user script with positions, parents and bindings: parsed once per round and read by
    every recipe of that round. A recipe writes its changes into an `Edits` of its own."""

    def __init__(self, source: str) -> None:
        self.wrapper = MetadataWrapper(cst.parse_module(source))
        self.module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.parents = self.wrapper.resolve(ParentNodeProvider)

    # -- reading ---------------------------------------------------------------------------------

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node).strip()

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self.positions[node]
        return position.start.line, position.end.line

    def nodes(self, kind: type | tuple[type, ...]) -> list:
        """Every node of a type, in source order."""
        found = [node for node in self.positions if isinstance(node, kind)]
        return sorted(found, key=lambda node: (self.positions[node].start.line, self.positions[node].start.column))

    def calls(self) -> list[cst.Call]:
        return self.nodes(cst.Call)

    def covers(self, node: cst.CSTNode, line: int) -> bool:
        start, end = self.span(node)
        return start <= line <= end

    def calls_on(self, line: int) -> list[cst.Call]:
        """Calls whose text covers the line, narrowest (most specific) first."""
        covering = [call for call in self.calls() if self.covers(call, line)]
        return sorted(covering, key=lambda call: self.span(call)[1] - self.span(call)[0])

    def at_failure(self, nodes: Sequence[cst.CSTNode], lines: Sequence[int]) -> list:
        """The nodes on the innermost failing line that has any, else all of them: the traceback
        says which call failed; without that, every candidate is edited."""
        for line in reversed(lines):
            if on_line := [node for node in nodes if self.covers(node, line)]:
                return on_line
        return list(nodes)

    def layer_called_at_failure(self, lines: Sequence[int], kinds: Iterable[str]) -> cst.Call | None:
        """The constructor of the layer (of these kinds) whose call is on the innermost failing
        line that calls one: `x = self.fc(x)` failing gives the `nn.Linear(...)` of `self.fc`."""
        for line in reversed(lines):
            for call in self.calls_on(line):
                if (target := callee(call)) and (built := self.built_from(target, kinds)):
                    return built
        return None

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        while node in self.parents:
            node = self.parents[node]
            yield node

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement | None:
        """The statement (simple line or compound) that directly holds the node in a body."""
        for parent in (node, *self.ancestors(node)):
            if isinstance(parent, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and isinstance(
                self.parents.get(parent), (cst.Module, cst.IndentedBlock)
            ):
                return parent
        return None

    def function_of(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        return next((a for a in self.ancestors(node) if isinstance(a, cst.FunctionDef)), None)

    def in_loop(self, node: cst.CSTNode) -> bool:
        return any(isinstance(a, (cst.For, cst.While)) for a in self.ancestors(node))

    @cached_property
    def nn(self) -> str:
        """How this file spells torch.nn: `nn` when it imports it under that name."""
        for node in self.nodes(cst.ImportFrom):
            names = node.names if isinstance(node.names, Sequence) else ()
            if node.module is not None and dotted(node.module) == "torch" and any(
                alias.name.value == "nn" and alias.asname is None for alias in names
            ):
                return "nn"
        for node in self.nodes(cst.Import):
            for alias in node.names:
                if dotted(alias.name) == "torch.nn" and alias.asname and alias.asname.name.value == "nn":
                    return "nn"
        return "torch.nn"

    @cached_property
    def bindings(self) -> dict[str, cst.Call]:
        """What each name or `self.` attribute was built from: `self.fc` -> the `nn.Linear(...)` call.

        Built from `target = Call(...)` assignments anywhere, and pairwise from
        `model, criterion = Net(), MyLoss()`; later assignments win, as at run time.
        """
        bound: dict[str, cst.Call] = {}
        for node in self.nodes(cst.Assign):
            for target in node.targets:
                if isinstance(node.value, cst.Call) and (name := dotted(target.target)):
                    bound[name] = node.value
                elif isinstance(target.target, cst.Tuple) and isinstance(node.value, cst.Tuple) \
                        and len(target.target.elements) == len(node.value.elements):
                    bound |= {name: element.value for item, element in zip(target.target.elements, node.value.elements)
                              if isinstance(element.value, cst.Call) and (name := dotted(item.value))}
        for node in self.nodes(cst.AnnAssign):
            if isinstance(node.value, cst.Call) and (name := dotted(node.target)):
                bound[name] = node.value
        return bound

    def built_from(self, name: str, kinds: Iterable[str]) -> cst.Call | None:
        """The constructor call of `name` if it is one of the given layer kinds."""
        call = self.bindings.get(name)
        return call if call is not None and kind_of(call) in set(kinds) else None

    def constructors(self, kinds: Iterable[str]) -> list[cst.Call]:
        wanted = set(kinds)
        return [call for call in self.calls() if kind_of(call) in wanted]

    def is_model_call(self, call: cst.Call) -> bool:
        """A call that most likely runs a module: `model(x)`, `self.encoder(x)`, `net(x)`,
        `net.forward(x)`.

        Names of functions, classes and builtins, torch/numpy functions and tensor methods are not.
        """
        name = callee(call)
        if name is None or not positional(call):
            return False
        head, _, method = name.rpartition(".")
        if name in self.bindings:
            bound = self.bindings[name]
            return not _is_torch_function(bound) and not kind_of(bound).endswith("Loss")
        if not head:
            return name not in self.defined_functions | self.imported | NOT_MODELS and name not in TORCH_NAMESPACES
        if method == "forward":
            return head.partition(".")[0] not in TORCH_NAMESPACES
        return head == "self" and method not in self.methods and method not in _NON_MODEL_METHODS

    @cached_property
    def imported(self) -> frozenset[str]:
        """Names bound by `from x import name` (functions such as `relu`, not models)."""
        names: set[str] = set()
        for node in self.nodes(cst.ImportFrom):
            if isinstance(node.names, Sequence):
                names |= {(alias.asname.name if alias.asname else alias.name).value for alias in node.names
                          if isinstance(alias.asname.name if alias.asname else alias.name, cst.Name)}
        return frozenset(names)

    @cached_property
    def defined_functions(self) -> frozenset[str]:
        return frozenset(node.name.value for node in self.nodes(cst.FunctionDef) if not self._is_method(node))

    @cached_property
    def methods(self) -> frozenset[str]:
        return frozenset(node.name.value for node in self.nodes(cst.FunctionDef) if self._is_method(node))

    def _is_method(self, node: cst.FunctionDef) -> bool:
        return any(isinstance(a, cst.ClassDef) for a in self.ancestors(node))

    def model_calls(self, lines: Sequence[int]) -> list[cst.Call]:
        """Model calls on the traceback's user lines, outermost frame first: where data enters."""
        found: list[cst.Call] = []
        for line in lines:
            found += [call for call in reversed(self.calls_on(line)) if self.is_model_call(call) and call not in found]
        return found

    def with_method(self, node: cst.BaseExpression, call: str) -> cst.BaseExpression:
        """`node.call`, parenthesised when the node is not an atom (`(a + b).float()`)."""
        text = self.code(node)
        return expr(f"{text}.{call}" if isinstance(node, _ATOMS) else f"({text}).{call}")


class Edits:
    """The changes one recipe makes to a Script (replace a node, insert statements around a
    statement), spliced in one pass by `result()` so that several coordinated changes apply
    together and everything else keeps its exact text."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.replacements: dict[cst.CSTNode, cst.CSTNode] = {}
        self.before: dict[cst.CSTNode, list[cst.BaseStatement]] = {}
        self.after: dict[cst.CSTNode, list[cst.BaseStatement]] = {}

    def replace(self, node: cst.CSTNode, new: cst.CSTNode) -> None:
        self.replacements[node] = new

    def call_method(self, node: cst.BaseExpression, call: str) -> None:
        """Replace `node` by `node.call` (`labels` -> `labels.long()`): a cast or reshape in place."""
        self.replace(node, self.script.with_method(node, call))

    def insert_before(self, anchor: cst.BaseStatement, *new: cst.BaseStatement) -> None:
        self.before.setdefault(anchor, []).extend(new)

    def insert_after(self, anchor: cst.BaseStatement, *new: cst.BaseStatement) -> None:
        self.after.setdefault(anchor, []).extend(new)

    def insert_after_imports(self, *new: cst.BaseStatement) -> None:
        """At module level, after the last top-level import (or at the top)."""
        body = self.script.module.body
        imports = [s for s in body if isinstance(s, cst.SimpleStatementLine)
                   and any(isinstance(part, (cst.Import, cst.ImportFrom)) for part in s.body)]
        if imports:
            self.insert_after(imports[-1], *new)
        else:
            self.insert_before(body[0], *new)

    def set_keyword(self, call: cst.Call, name: str, value: str) -> None:
        """The call passes `name=value`: the value replaced where the keyword is given, else the
        keyword appended (with_keyword)."""
        given = keyword(call, name)
        if given is None:
            self.replace(call, with_keyword(call, name, value))
        else:
            self.replace(given.value, expr(value))

    def wrap_argument(self, call: cst.Call, method: str, index: int = 0) -> bool:
        """Append `.method` to the call's positional argument number `index`."""
        args = positional(call)
        if len(args) <= index:
            return False
        arg = args[index]
        self.replace(arg.value, self.script.with_method(arg.value, method))
        return True

    @property
    def changed(self) -> bool:
        return bool(self.replacements or self.before or self.after)

    def result(self) -> str | None:
        """The edited source, or None when no edit was made."""
        if not self.changed:
            return None
        return self.script.module.visit(_Splice(self.replacements, self.before, self.after)).code


class _Splice(cst.CSTTransformer):
    def __init__(self, replacements, before, after) -> None:  # noqa: ANN001 - the maps of an Edits
        super().__init__()
        self.replacements, self.before, self.after = replacements, before, after

    def on_leave(self, original_node, updated_node):  # noqa: ANN001 - libcst's generic hook
        updated = super().on_leave(original_node, updated_node)
        if isinstance(updated, (cst.Module, cst.IndentedBlock)) and (self.before or self.after):
            body: list[cst.BaseStatement] = []
            for old, new in zip(original_node.body, updated.body):
                body += [*self.before.get(old, ()), new, *self.after.get(old, ())]
            updated = updated.with_changes(body=body)
        return self.replacements.get(original_node, updated)


def _is_torch_function(call: cst.Call) -> bool:
    """`torch.randn(...)`, `np.zeros(...)`: results that are data, not modules."""
    name = callee(call) or ""
    head = name.split(".", 1)[0]
    return head in ("torch", "np", "numpy", "F") and not name.startswith(("torch.nn.", "nn."))


_OPERATORS = {
    cst.Add: lambda a, b: a + b, cst.Subtract: lambda a, b: a - b, cst.Multiply: lambda a, b: a * b,
    cst.FloorDivide: lambda a, b: a // b, cst.Power: lambda a, b: a**b,
    cst.Divide: lambda a, b: a // b if a % b == 0 else None,
}


def evaluate(node: cst.BaseExpression, env: dict[str, int]) -> int | None:
    """The integer value of a constant expression such as `32 * 7 * 7` or `HIDDEN * 2`, if known."""
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if isinstance(node, (cst.Name, cst.Attribute)):
        return env.get(dotted(node) or "")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = evaluate(node.expression, env)
        return -value if value is not None else None
    if isinstance(node, cst.BinaryOperation) and type(node.operator) in _OPERATORS:
        left, right = evaluate(node.left, env), evaluate(node.right, env)
        if left is None or right is None or (right == 0 and isinstance(node.operator, (cst.Divide, cst.FloorDivide))):
            return None
        return _OPERATORS[type(node.operator)](left, right)
    return None


def constants(script: Script) -> dict[str, int]:
    """Integer constants the layers are built from: module-level names (`HIDDEN = 64`,
    `A, B = 1, 2`), parameter defaults (`def __init__(self, hidden=64)`) and `self.x = <int>`."""
    env: dict[str, int] = {}
    for node in script.nodes((cst.Param, cst.Assign)):  # in source order, so later names see earlier ones
        if isinstance(node, cst.Param):
            pairs = [(node.name.value, node.default)] if node.default is not None else []
        else:
            pairs = [pair for target in node.targets for pair in _unpacked(target.target, node.value)]
        for name, value_node in pairs:
            if (value := evaluate(value_node, env)) is not None:
                env[name] = value
    return env


def _unpacked(target: cst.BaseExpression, value: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]]:
    if isinstance(target, cst.Tuple) and isinstance(value, cst.Tuple) and len(target.elements) == len(value.elements):
        return [pair for t, v in zip(target.elements, value.elements) for pair in _unpacked(t.value, v.value)]
    name = dotted(target)
    return [(name, value)] if name else []


def free_name(script: Script, wanted: str) -> str:
    """`wanted`, or `wanted2`, ... : a name (or `self.` attribute) for new code that the file does
    not already bind to a function, an import or an assigned value."""
    taken = script.defined_functions | script.imported | set(script.bindings)
    candidate, number = wanted, 2
    while candidate in taken:
        candidate, number = f"{wanted}{number}", number + 1
    return candidate


def imported_modules(script: Script) -> set[str]:
    """The names `import` statements bind (`torch`, `np` for `import numpy as np`): new code may
    use them."""
    return {(alias.asname.name.value if alias.asname else script.code(alias.name))
            for node in script.nodes(cst.Import) for alias in node.names}


def import_name(script: Script, module: str) -> str | None:
    """The name a plain `import` bound a module to in this file (`np` for `import numpy as np`),
    None when it is not imported that way."""
    for node in script.nodes(cst.Import):
        for alias in node.names:
            if script.code(alias.name) == module:
                return alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else module
    return None
