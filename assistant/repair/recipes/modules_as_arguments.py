"""nn.Sequential takes modules, one per argument. Three near misses are refused with `X is not a
Module subclass`: a Python list of layers passed as one argument (`Sequential(layers)`: unpack it),
a layer class not instantiated (`nn.ReLU`: call it), and a plain function (`F.relu`: use its module
version, `nn.ReLU()`, which computes the same). The message names which one it is. A function
picked by name (`act = getattr(F, cfg["activation"])`) becomes the module of that name, picked the
same way from a table of the activations that have one. A table the user wrote of such functions
(`{"gelu": F.gelu}`), looked up and handed on as a layer, becomes a table of the module classes
whose lookups are called.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, dotted, expr, positional, statement
from assistant.repair.recipes._values import definitions

name = "modules-as-arguments"
CONTAINERS = ("Sequential",)
SEQUENCES = ("list", "tuple")
# functions that have a module computing exactly the same with default arguments
MODULE_OF = {"relu": "ReLU", "gelu": "GELU", "silu": "SiLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "elu": "ELU",
             "leaky_relu": "LeakyReLU", "softplus": "Softplus", "mish": "Mish", "selu": "SELU", "relu6": "ReLU6",
             "hardswish": "Hardswish", "logsigmoid": "LogSigmoid"}
_FUNCTION_HOMES = ("F", "torch", "nn.functional", "torch.nn.functional")
TABLE = "ACTIVATION_MODULES"


def match(problem: Problem) -> tuple[str, list[cst.CSTNode]] | None:
    """What was passed instead of modules (`sequence`, `class` or `function`) and where."""
    refused = problem.facts.values.get("type", "")
    script = problem.script
    if refused in SEQUENCES:
        containers = script.at_failure([call for call in script.constructors(CONTAINERS) if _one_sequence(call)],
                                       problem.facts.user_lines)
        return ("sequence", containers) if containers else None
    last = refused.rsplit(".", 1)[-1]
    if last in MODULE_OF and "." in refused:
        uses = [node for node in _uncalled(script) if _function_name(node) == last]
        if uses:
            return "function", uses
        picked = list(dict.fromkeys(found for node in _uncalled(script) if isinstance(node, cst.Name)
                                    for found in definitions(script, node) if _picked_by_name(found)))
        if picked:
            return ("named", picked) if TABLE not in {n.value for n in script.nodes(cst.Name)} else None
        table = _table_of_functions(script, last)
        return ("table", table) if table else None
    if last[:1].isupper() and refused.startswith("torch.nn.modules."):
        uses = [node for node in _uncalled(script) if dotted(node) in (f"nn.{last}", f"torch.nn.{last}")]
        return ("class", uses) if uses else None
    return None


def apply(problem: Problem, found: tuple[str, list[cst.CSTNode]]) -> Edits:
    kind, nodes = found
    script, edits = problem.script, problem.edits()
    if kind == "named":
        rows = ",\n".join(f'    "{function}": {script.nn}.{module}' for function, module in MODULE_OF.items())
        edits.insert_after_imports(statement(f"{TABLE} = {{  # the module computing each activation function\n{rows},\n}}\n").with_changes(
            leading_lines=[cst.EmptyLine()]))
    for node in nodes:
        if kind == "named":
            edits.replace(node, expr(f"{TABLE}[{script.code(positional(node)[1].value)}]()"))
        elif kind == "sequence":
            edits.replace(node, _unpacked(node))
        elif kind == "class" or kind == "table" and isinstance(node, cst.Subscript):
            edits.replace(node, expr(f"{script.code(node)}()"))
        elif kind == "table":
            edits.replace(node, expr(f"{script.nn}.{MODULE_OF[_function_name(node) or '']}"))
        else:
            edits.replace(node, expr(f"{script.nn}.{MODULE_OF[_function_name(node) or '']}()"))
    return edits


def _one_sequence(call: cst.Call) -> bool:
    """A single argument that is a sequence of layers (a list, a name), not a layer being built."""
    return (len(call.args) == 1 and not call.args[0].star and call.args[0].keyword is None
            and isinstance(call.args[0].value, (cst.Name, cst.Attribute, cst.List, cst.Tuple, cst.ListComp)))


def _unpacked(call: cst.Call) -> cst.Call:
    """`Sequential([a, b])` -> `Sequential(a, b)`; `Sequential(layers)` -> `Sequential(*layers)`."""
    value = positional(call)[0].value
    if isinstance(value, (cst.List, cst.Tuple)) and not any(isinstance(e, cst.StarredElement) for e in value.elements):
        elements = list(value.elements)
        args = [cst.Arg(e.value, comma=e.comma) for e in elements]
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return call.with_changes(args=args)
    return call.with_changes(args=[call.args[0].with_changes(star="*")])


def _uncalled(script: Script) -> list[cst.BaseExpression]:
    """Names and attribute chains handed on as values (arguments, list items, parameter defaults),
    not called and not part of a longer chain."""
    found = []
    for node in script.nodes((cst.Attribute, cst.Name)):
        parent = script.parents.get(node)
        if isinstance(parent, cst.Call) and parent.func is node:
            continue
        if isinstance(parent, cst.Attribute) and parent.value is node:
            continue
        if (isinstance(parent, cst.Arg) and parent.value is node or isinstance(parent, cst.Element)
                or isinstance(parent, cst.Param) and parent.default is node):
            found.append(node)
    return found


def _table_of_functions(script: Script, function: str) -> list[cst.CSTNode]:
    """A dict literal of activation functions (`{"gelu": F.gelu, ...}`, holding this one) whose
    every read is a lookup handed on uncalled: its values (to become the module classes) and those
    lookups (to build the module). A table also called as a function, or read any other way, is
    left alone: its values must stay functions there."""
    for assign in script.nodes(cst.Assign):
        table = assign.value
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name) \
                or not isinstance(table, cst.Dict):
            continue
        values = [element.value for element in table.elements if isinstance(element, cst.DictElement)]
        functions = [_function_name(value) for value in values]
        if len(values) != len(table.elements) or None in functions or function not in functions:
            continue
        lookups = _lookups_handed_on(script, assign.targets[0].target)
        if lookups:
            return [*values, *lookups]
    return []


def _lookups_handed_on(script: Script, table: cst.Name) -> list[cst.Subscript]:
    """Every `table[key]` given as an argument or list item, or [] if the name is bound again or
    read in any other way."""
    reads = [node for node in script.nodes(cst.Name) if node.value == table.value and node is not table]
    lookups = [script.parents.get(node) for node in reads]
    if not all(isinstance(lookup, cst.Subscript) and lookup.value is read for lookup, read in zip(lookups, reads)):
        return []
    handed_on = [lookup for lookup in lookups
                 if isinstance(script.parents.get(lookup), (cst.Arg, cst.Element))]
    return handed_on if len(handed_on) == len(lookups) else []


def _picked_by_name(node: cst.BaseExpression) -> bool:
    """`getattr(F, name)`: a function of torch.nn.functional (or torch) chosen at run time."""
    return (isinstance(node, cst.Call) and dotted(node.func) == "getattr" and len(node.args) == 2
            and len(positional(node)) == 2 and dotted(positional(node)[0].value) in _FUNCTION_HOMES)


def _function_name(node: cst.CSTNode) -> str | None:
    """`relu` for `F.relu`, `torch.relu`, `torch.nn.functional.relu`; None for other references."""
    name = dotted(node) if isinstance(node, (cst.Attribute, cst.Name)) else None
    home, _, function = (name or "").rpartition(".")
    return function if home in _FUNCTION_HOMES and function in MODULE_OF else None
