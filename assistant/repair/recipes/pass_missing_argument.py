"""`Encoder.forward() missing 1 required positional argument: 'mask'` raised at `self.encoder(ids)`
inside `def encode(self, ids, mask)`: the caller was handed the very input the module needs and
never passed it on. The entry's fix is to call the module with the arguments its forward
declares; here that is passing the caller's own parameter of that name, which it otherwise never
reads, or the name of the loop around the call that unpacks it from each batch and never reads
it (`for ids, mask, labels in loader: logits = model(ids)`). It goes where forward declares it: as the next positional argument when the call gives
exactly the ones before it, else by keyword. A caller without such an unused parameter is left
alone: what else to pass is the user's decision.
"""

from __future__ import annotations

import re

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, kind_of, positional, with_keyword

name = "pass-missing-argument"
_MISSING = re.compile(r"(?:(\w+)\.)?forward\(\) missing 1 required positional argument: '(\w+)'")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str, bool] | None:
    """(the call on the failing line, the argument's name, whether it goes by position)."""
    found = _MISSING.search(problem.facts.message)
    if found is None:
        return None
    module_class, argument = found.groups()
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            forward = _forward_of(script, call, module_class)
            if forward is None or not (_unused_parameter_of_caller(script, call, argument)
                                       or _unused_loop_name(script, call, argument)):
                continue
            declared = [param.name.value for param in forward.params.params[1:]]
            if argument not in declared or any(arg.keyword is not None and arg.keyword.value == argument
                                               for arg in call.args):
                continue
            given = positional(call)
            if len(given) > declared.index(argument):
                continue
            by_position = len(given) == declared.index(argument) and len(given) == len(call.args)
            return call, argument, by_position
    return None


def apply(problem: Problem, found: tuple[cst.Call, str, bool]) -> Edits:
    call, argument, by_position = found
    edits = problem.edits()
    if by_position:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args = [*call.args[:-1], call.args[-1].with_changes(comma=comma)] if call.args else []
        edits.replace(call, call.with_changes(args=[*args, cst.Arg(cst.Name(argument))]))
    else:
        edits.replace(call, with_keyword(call, argument, argument))
    return edits


def _forward_of(script: Script, call: cst.Call, module_class: str | None) -> cst.FunctionDef | None:
    """The `forward` of the class (defined in this script) that the called module was built from."""
    built = script.bindings.get(callee(call) or "")
    if built is None or (module_class and kind_of(built) != module_class):
        return None
    for node in script.nodes(cst.ClassDef):
        if node.name.value == kind_of(built):
            methods = [item for item in node.body.body if isinstance(item, cst.FunctionDef)]
            return next((method for method in methods if method.name.value == "forward"), None)
    return None


def _unused_parameter_of_caller(script: Script, call: cst.Call, argument: str) -> bool:
    """The function making the call takes a parameter of that name and reads it nowhere."""
    caller = script.function_of(call)
    if caller is None or argument not in {param.name.value for param in caller.params.params}:
        return False
    reads = [node for node in script.nodes(cst.Name) if node.value == argument
             and caller in script.ancestors(node) and not isinstance(script.parents.get(node), cst.Param)]
    return not reads


def _unused_loop_name(script: Script, call: cst.Call, argument: str) -> bool:
    """A `for` loop around the call binds that name in its target and its body reads it nowhere."""
    for loop in (node for node in script.ancestors(call) if isinstance(node, cst.For)):
        if argument in {name.value for name in m.findall(loop.target, m.Name())}:
            reads = [node for node in m.findall(loop.body, m.Name()) if isinstance(node, cst.Name)
                     and node.value == argument and not _is_attribute_name(script, node)]
            return not reads
    return False


def _is_attribute_name(script: Script, node: cst.Name) -> bool:
    parent = script.parents.get(node)
    return isinstance(parent, cst.Attribute) and parent.attr is node
