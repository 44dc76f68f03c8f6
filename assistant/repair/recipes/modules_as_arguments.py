"""nn.Sequential takes modules, one per argument. Three near misses are refused with `X is not a
Module subclass`: a Python list of layers passed as one argument (`Sequential(layers)`: unpack it),
a layer class not instantiated (`nn.ReLU`: call it), and a plain function (`F.relu`: use its module
version, `nn.ReLU()`, which computes the same). The message names which one it is. A function
picked by name (`act = getattr(F, cfg["activation"])`) becomes the module of that name, picked the
same way from a table of the activations that have one. A table the user wrote of such functions
(`{"gelu": F.gelu}`), looked up and handed on as a layer, becomes a table of the module classes
whose lookups are called.

The same near misses in other spellings: a layer class imported by name (`from torch.nn import
ReLU`, then `ReLU`) or a module class of this file (`__main__.Block`) passed uncalled is called,
when its constructor needs no argument (which arguments were meant is not in the code otherwise);
a lambda or a one-input function of this file (`__main__.<lambda>`, `__main__.flatten`), which no
module computes, is wrapped in the tiny module the entry describes, `Lambda(fn)`, whose forward
calls it: the network computes what was written.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from assistant.repair.recipes import Problem
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, free_name, positional, statement
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
_REGISTERS = ("Sequential", "ModuleList", "append", "add_module", "insert", "extend", "register_module")
_WRAPPER = '''class {name}({nn}.Module):
    """A function as a module, so that a container can hold it: forward calls it."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)
'''


def match(problem: Problem) -> tuple[str, list[cst.CSTNode]] | None:
    """What was passed instead of modules (`sequence`, `class` or `function`) and where."""
    # the entry's `<lambda> is not ...` pattern captures nothing: the message names it all the same
    refused = problem.facts.values.get("type") or problem.facts.message.partition(" is not a Module subclass")[0]
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
        uses = [node for node in _uncalled(script) if _spells_nn_class(script, node, last) and not _type_test(script, node)]
        return ("class", uses) if uses else None
    if refused.startswith("__main__."):
        return _of_this_file(script, last)
    return None


def _of_this_file(script: Script, last: str) -> tuple[str, list[cst.CSTNode]] | None:
    """A module class of this file passed uncalled (`class`), or a lambda or one-input function
    of this file registered as a layer (`wrap`)."""
    if last == "<lambda>":
        lambdas = [node for node in script.nodes(cst.Lambda) if _registered(script, node) and _one_input(node.params)]
        return ("wrap", lambdas) if lambdas else None
    uses = [node for node in _uncalled(script) if isinstance(node, cst.Name) and node.value == last
            and not _type_test(script, node)]
    classes = [node for node in script.nodes(cst.ClassDef) if node.name.value == last and script.function_of(node) is None]
    if len(classes) == 1 and _module_class(script, classes[0]) and _built_without_arguments(classes[0]):
        return ("class", uses) if uses else None
    functions = [node for node in script.module.body if isinstance(node, cst.FunctionDef) and node.name.value == last]
    if len(functions) == 1 and _one_input(functions[0].params):
        registered = [node for node in uses if _registered(script, node)]
        return ("wrap", registered) if registered else None
    return None


def _spells_nn_class(script: Script, node: cst.CSTNode, last: str) -> bool:
    """`nn.ReLU`, `torch.nn.ReLU`, or `ReLU` imported from torch.nn."""
    name = dotted(node) if isinstance(node, (cst.Attribute, cst.Name)) else None
    if name in (f"nn.{last}", f"torch.nn.{last}"):
        return True
    return name == last and any(
        dotted(imp.module) in ("torch.nn", "torch.nn.modules") and isinstance(imp.names, Sequence)
        and any(dotted(alias.name) == last and alias.asname is None for alias in imp.names)
        for imp in script.nodes(cst.ImportFrom) if imp.module is not None)


def _module_class(script: Script, node: cst.ClassDef, depth: int = 0) -> bool:
    """Derives from `nn.Module` (or a layer of torch.nn), directly or through classes of this file."""
    for base in node.bases:
        name = dotted(base.value) or ""
        if name.startswith(("nn.", "torch.nn.")) or name == "Module":
            return True
        parents = [c for c in script.nodes(cst.ClassDef) if c.name.value == name]
        if depth < 4 and len(parents) == 1 and _module_class(script, parents[0], depth + 1):
            return True
    return False


def _built_without_arguments(node: cst.ClassDef) -> bool:
    """Its `__init__` (if it has one) needs no argument besides self."""
    inits = [item for item in node.body.body if isinstance(item, cst.FunctionDef) and item.name.value == "__init__"]
    if not inits:
        return True
    params = inits[0].params
    required = [p for p in (*params.posonly_params, *params.params)[1:] if p.default is None]
    return not required and not [p for p in params.kwonly_params if p.default is None]


def _one_input(params: cst.Parameters) -> bool:
    """Callable with the one input a container passes: one positional parameter, the rest defaulted."""
    positional_params = [*params.posonly_params, *params.params]
    return (len(positional_params) >= 1 and all(p.default is not None for p in positional_params[1:])
            and all(p.default is not None for p in params.kwonly_params) and positional_params[0].default is None)


def _type_test(script: Script, node: cst.CSTNode) -> bool:
    """`isinstance(m, nn.Linear)`, `issubclass(cls, Block)`: the class itself is meant there."""
    parent = script.parents.get(node)
    call = script.parents.get(parent) if isinstance(parent, (cst.Arg, cst.Element)) else None
    if isinstance(call, (cst.Tuple, cst.List)):  # isinstance(m, (nn.Linear, nn.Conv2d))
        call = script.parents.get(script.parents.get(call))
    return isinstance(call, cst.Call) and dotted(call.func) in ("isinstance", "issubclass")


def _registered(script: Script, node: cst.CSTNode) -> bool:
    """Handed to a container as a layer: a positional argument of `nn.Sequential(...)`,
    `layers.append(...)`, `add_module(...)`, or an item of a list or tuple literal."""
    parent = script.parents.get(node)
    if isinstance(parent, cst.Element):
        return True
    call = script.parents.get(parent) if isinstance(parent, cst.Arg) and parent.keyword is None else None
    return isinstance(call, cst.Call) and (callee(call) or "").rsplit(".", 1)[-1] in _REGISTERS


def apply(problem: Problem, found: tuple[str, list[cst.CSTNode]]) -> Edits:
    kind, nodes = found
    script, edits = problem.script, problem.edits()
    if kind == "wrap":
        wrapper = free_name(script, "Lambda")
        edits.insert_after_imports(statement(_WRAPPER.format(name=wrapper, nn=script.nn)).with_changes(
            leading_lines=[cst.EmptyLine(), cst.EmptyLine()]))
        for node in nodes:
            edits.replace(node, expr(f"{wrapper}({script.code(node)})"))
        return edits
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
