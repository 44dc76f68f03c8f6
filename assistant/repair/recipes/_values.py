"""The integer a layer argument holds when the script ran, found statically: followed through
names, `self.` attributes, constructor and function parameters (to the values passed where the
class or function is called, else the default), config dicts, config classes, `SimpleNamespace`
and argparse defaults. Recipes that must know which of several layers a message's sizes describe
(`Linear(cfg["hidden"], 3)` vs `Linear(cfg["features"], 16)`) compare these values with the
message's. The module name starts with `_`, so the registry does not take it for a recipe.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes._definitions import assignment, parameters, returned
from assistant.repair.recipes._edit import Script, dotted, keyword, kind_of, positional

MAX_DEPTH = 8
_ARITHMETIC = {
    cst.Add: lambda a, b: a + b, cst.Subtract: lambda a, b: a - b, cst.Multiply: lambda a, b: a * b,
    cst.FloorDivide: lambda a, b: a // b if b else None, cst.Power: lambda a, b: a**b,
    cst.Divide: lambda a, b: a // b if b and a % b == 0 else None,
}


def integer(script: Script, node: cst.BaseExpression, depth: int = 0) -> int | None:
    """The integer the expression evaluates to when every definition it depends on is known
    (and the call sites that pass a parameter agree), else None."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = integer(script, node.expression, depth + 1)
        return -value if value is not None else None
    if isinstance(node, cst.BinaryOperation) and type(node.operator) in _ARITHMETIC:
        left, right = integer(script, node.left, depth + 1), integer(script, node.right, depth + 1)
        return _ARITHMETIC[type(node.operator)](left, right) if left is not None and right is not None else None
    if isinstance(node, cst.Subscript):
        return _agreed(script, [_item(script, node, source) for source in definitions(script, node.value, depth + 1)], depth)
    if isinstance(node, cst.Attribute) and (parsed := _parsed_arguments(script, node.value)) is not None:
        return integer(script, _argparse_default(script, parsed, node.attr.value), depth + 1)
    if isinstance(node, cst.Attribute) and not (dotted(node) or "self.").startswith("self."):
        return _agreed(script, [_field(script, source, node.attr.value) for source in definitions(script, node.value, depth + 1)], depth)
    if isinstance(node, (cst.Name, cst.Attribute)):
        return _agreed(script, definitions(script, node, depth + 1), depth)
    return None


def definitions(script: Script, node: cst.BaseExpression, depth: int = 0) -> list[cst.BaseExpression]:
    """The expressions a name (or `self.` attribute) was last given for this use: its assignment,
    else, for a parameter, what each call of the function passes for it (or its default). The
    expression itself when it is not a name; empty when unknown."""
    name = dotted(node)
    if name is None:
        return [node]
    if depth > MAX_DEPTH:
        return []
    if (bound := assignment(script, name, node)) is not None:
        return _followed(script, bound[1], depth)
    function = script.function_of(node)
    if function is None or name not in parameters(function):
        return []
    passed = _passed_at_calls(script, function, name)
    if passed:
        return [found for value in passed for found in _followed(script, value, depth)]
    default = _default(function, name)
    return _followed(script, default, depth) if default is not None else []


def settings(script: Script, node: cst.BaseExpression, depth: int = 0) -> list[cst.BaseExpression]:
    """The expressions a setting may hold when the script ran (literals, calls), followed like
    `integer` follows sizes: through names, parameters, config dicts and classes, argparse
    defaults. For recipes that look for a non-numeric choice (`multiprocessing_context=
    cfg["ctx"]` holding "spawn") wherever the script spells it; empty when unknown."""
    if depth > MAX_DEPTH:
        return []
    found = _one_step_back(script, node, depth)
    if found is None and isinstance(node, cst.IfExp):  # `"spawn" if os.name != "nt" else None`: either may run
        found = [node.body, node.orelse]
    elif found is None:
        return [node]
    return [setting for value in found if value is not None for setting in settings(script, value, depth + 1)]


def _one_step_back(script: Script, node: cst.BaseExpression, depth: int) -> list[cst.BaseExpression | None] | None:
    """What a config read (`cfg["ctx"]`, `cfg.ctx`), a parsed option (`args.ctx`) or a name
    stands for, one definition back; None for any other expression."""
    if isinstance(node, cst.Subscript):
        return [_item(script, node, source) for source in definitions(script, node.value, depth + 1)]
    if isinstance(node, cst.Attribute) and (parsed := _parsed_arguments(script, node.value)) is not None:
        return [_argparse_default(script, parsed, node.attr.value)]
    if isinstance(node, cst.Attribute) and not (dotted(node) or "self.").startswith("self."):
        return [_field(script, source, node.attr.value) for source in definitions(script, node.value, depth + 1)]
    if isinstance(node, (cst.Name, cst.Attribute)):
        return definitions(script, node, depth + 1)
    return None


def _followed(script: Script, value: cst.BaseExpression, depth: int) -> list[cst.BaseExpression]:
    """A name's definitions; an attribute with no assignment of its own (`args.hidden` handed to
    a function) stays itself, for `integer` and `settings` to read through argparse or a config."""
    if dotted(value) is None:
        return [value]
    return definitions(script, value, depth + 1) or ([value] if isinstance(value, cst.Attribute) else [])


def _agreed(script: Script, values: list[cst.BaseExpression | None], depth: int) -> int | None:
    """The one integer all these definitions give, else None."""
    numbers = {integer(script, value, depth + 1) if value is not None else None for value in values}
    return numbers.pop() if len(numbers) == 1 else None


def _passed_at_calls(script: Script, function: cst.FunctionDef, name: str) -> list[cst.BaseExpression]:
    """What every call of this function (of its class, for `__init__`) passes for the parameter;
    empty when some call passes nothing for it (its default then) or spreads `*args`/`**kwargs`."""
    called = called_as(script, function)
    index = parameters(function).index(name)
    values = []
    for call in (call for call in script.calls() if called and kind_of(call) == called):
        if any(arg.star for arg in call.args):
            return []
        args = positional(call)
        given = args[index].value if index < len(args) else (keyword(call, name).value if keyword(call, name) else None)
        if given is None:
            return []
        values.append(given)
    return values


def called_as(script: Script, function: cst.FunctionDef) -> str | None:
    """The name calls of this function use: its class's for `__init__`, its own otherwise."""
    if function.name.value != "__init__":
        return function.name.value
    owner = next((a for a in script.ancestors(function) if isinstance(a, cst.ClassDef)), None)
    return owner.name.value if owner is not None else None


def _default(function: cst.FunctionDef, name: str) -> cst.BaseExpression | None:
    params = (*function.params.posonly_params, *function.params.params, *function.params.kwonly_params)
    return next((param.default for param in params if param.name.value == name), None)


def _item(script: Script, subscript: cst.Subscript, source: cst.BaseExpression) -> cst.BaseExpression | None:
    """`cfg["hidden"]` of a dict literal or `dict(hidden=...)`, `sizes[0]` of a list or tuple literal."""
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return None
    key = subscript.slice[0].slice.value
    if isinstance(key, cst.SimpleString) and isinstance(source, cst.Dict):
        return next((element.value for element in source.elements if isinstance(element, cst.DictElement)
                     and isinstance(element.key, cst.SimpleString)
                     and element.key.evaluated_value == key.evaluated_value), None)
    if isinstance(key, cst.SimpleString) and isinstance(source, cst.Call) and kind_of(source) == "dict":
        return _field(script, source, str(key.evaluated_value))
    if isinstance(key, cst.Integer) and isinstance(source, (cst.List, cst.Tuple)):
        index = int(key.evaluated_value)
        elements = source.elements
        return elements[index].value if -len(elements) <= index < len(elements) and not isinstance(
            elements[index], cst.StarredElement) else None
    return None


def _field(script: Script, source: cst.BaseExpression, field: str) -> cst.BaseExpression | None:
    """`cfg.hidden` of `SimpleNamespace(hidden=...)`/`dict(hidden=...)`, or of an instance of a
    config class defined here (its keyword argument, else the class attribute's value)."""
    if not isinstance(source, cst.Call):
        return None
    if (given := keyword(source, field)) is not None:
        return given.value
    for node in script.nodes(cst.ClassDef):
        if node.name.value == kind_of(source):
            return _class_attribute(node, field)
    return None


def _class_attribute(node: cst.ClassDef, field: str) -> cst.BaseExpression | None:
    for line in node.body.body:
        for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():  # a method is no field
            if isinstance(small, cst.AnnAssign) and dotted(small.target) == field:
                return small.value
            if isinstance(small, cst.Assign) and any(dotted(t.target) == field for t in small.targets):
                return small.value
    return None


def _parsed_arguments(script: Script, node: cst.BaseExpression) -> cst.Call | None:
    """The `parser.parse_args(...)` call a name such as `args` holds: the call itself, or the one
    a helper of this file returns (`cfg = parse_args([])` with `return p.parse_args(argv)`), the
    usual way a script keeps its options together."""
    for value in definitions(script, node):
        if _is_parsing(value):
            return value
        if isinstance(value, cst.Call) and (made := [result for result in returned(script, value) if _is_parsing(result)]):
            return made[0]
    return None


def _is_parsing(value: cst.BaseExpression | None) -> bool:
    """`parser.parse_args(...)` (or parse_known_args) on a parser object."""
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
        and kind_of(value) in ("parse_args", "parse_known_args")


def _argparse_default(script: Script, parsed: cst.Call, dest: str) -> cst.BaseExpression | None:
    """The `default=` of the `add_argument` whose destination is `dest` (`--in-dim` -> `in_dim`)
    on the parser that was parsed."""
    parser = dotted(parsed.func.value) if isinstance(parsed.func, cst.Attribute) else None
    for call in script.calls():
        if kind_of(call) != "add_argument" or not isinstance(call.func, cst.Attribute) or dotted(call.func.value) != parser:
            continue
        if _destination(call) == dest:
            default = keyword(call, "default")
            return default.value if default is not None else None
    return None


def _destination(call: cst.Call) -> str | None:
    if (given := keyword(call, "dest")) is not None and isinstance(given.value, cst.SimpleString):
        return str(given.value.evaluated_value)
    options = [str(arg.value.evaluated_value) for arg in positional(call) if isinstance(arg.value, cst.SimpleString)]
    long = [option for option in options if option.startswith("--")]
    chosen = long[0] if long else (options[0] if options else None)
    return chosen.lstrip("-").replace("-", "_") if chosen else None


def field_of_parsing_helper(script: Script, node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The `default=` behind `args.image_size` when `args = parse_args()` calls a helper of this
    file that returns `parser.parse_args(...)`: `integer` and `settings` read argparse only when
    the name holds the parse_args call itself."""
    if not isinstance(node, cst.Attribute):
        return None
    return dict(parsed_fields(script, node.value)).get(node.attr.value)


def parsed_fields(script: Script, node: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression | None]]:
    """(destination, default) of every `add_argument` on the parser whose parse_args result a name
    such as `args` holds (the call itself, or a helper of this file returning it): for recipes that
    look for a value among the script's options when the code at hand reads only some of them."""
    parsed = _parsed_arguments(script, node)
    if parsed is None or not isinstance(parsed.func, cst.Attribute):
        returned_calls = [result for value in definitions(script, node) if isinstance(value, cst.Call)
                          for result in returned(script, value) if isinstance(result, cst.Call)]
        parsed = next((call for call in returned_calls if kind_of(call) in ("parse_args", "parse_known_args")
                       and isinstance(call.func, cst.Attribute)), None)
    if parsed is None:
        return []
    parser = dotted(parsed.func.value)
    options = [call for call in script.calls() if kind_of(call) == "add_argument"
               and isinstance(call.func, cst.Attribute) and dotted(call.func.value) == parser]
    return [(dest, given.value if (given := keyword(call, "default")) is not None else None)
            for call in options if (dest := _destination(call)) is not None]


def literal(script: Script, node: cst.BaseExpression, depth: int = 0) -> cst.Integer | None:
    """The one integer literal a size is written as, followed as `integer` follows it (names,
    parameters to what their calls pass or their default, config dicts and classes, argparse
    defaults): where a recipe that must change a size rewrites it, so that every reader of the
    setting sees the new value. None when the size is computed or comes from several places."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, cst.Integer):
        return node
    if (found := _one_step_back(script, node, depth)) is None:
        return None
    literals = {literal(script, value, depth + 1) if value is not None else None for value in found}
    return literals.pop() if len(literals) == 1 else None
