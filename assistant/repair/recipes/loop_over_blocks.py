"""nn.Sequential passes one value from layer to layer, so a stack of blocks that each take a
second input (a padding mask, a condition, a time embedding) cannot be an nn.Sequential: calling it
with both (`self.blocks(x, mask)`) fails with `Sequential.forward() takes 2 positional arguments
but 3 were given`. The entry's fix for a chain of layers that share a second argument is an
nn.ModuleList looped over in forward, each block getting the running value and the shared
arguments: `for block in self.blocks: x = block(x, mask)`. The recipe does that when every layer
of the Sequential is a module class of the file whose forward takes exactly that many inputs. The
ModuleList keeps the layers under the same names, so checkpoints still load.
"""

from __future__ import annotations

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import parameters
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, expr, kind_of, positional, statement

name = "loop-over-blocks"


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, list[cst.Call]] | None:
    """(the Sequential holding the blocks, the calls of it with several inputs) when the failing
    line calls it so."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        for call in script.calls_on(line):
            held = callee(call)
            built = script.bindings.get(held or "")
            if built is None or kind_of(built) != "Sequential" or not _simple_call(call):
                continue
            inputs = len(positional(call))
            layers = _layers(script, built)
            if inputs < 2 or not layers or not all(_takes(script, layer, inputs) for layer in layers):
                continue
            calls = [other for other in script.calls() if callee(other) == held]
            if all(_simple_call(other) and len(positional(other)) == inputs and _in_statement(script, other)
                   for other in calls) and _only_called(script, held, calls):
                return built, calls
    return None


def apply(problem: Problem, found: tuple[cst.Call, list[cst.Call]]) -> Edits:
    built, calls = found
    script, edits = problem.script, problem.edits()
    edits.replace(built, _as_module_list(script, built))
    for call in calls:
        first, *shared = [script.code(arg.value) for arg in positional(call)]
        line = script.statement_of(call)
        assign = line.body[0] if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else None
        target = (dotted(assign.targets[0].target) if isinstance(assign, cst.Assign) and len(assign.targets) == 1
                  and assign.value is call else None)
        value = target if target is not None and "." not in target else _free(script, call, "hidden")
        block = _free(script, call, "block")
        loop = [statement(f"{value} = {first}\n"), statement(
            f"for {block} in {callee(call)}:\n    {value} = {block}({', '.join([value, *shared])})\n")]
        loop[0] = loop[0].with_changes(leading_lines=line.leading_lines)
        if value == target:
            edits.replace(line, loop[0])
            edits.insert_after(line, loop[1])
        else:
            edits.insert_before(line, *loop)
            edits.replace(call, cst.Name(value))
    return edits


def _layers(script: Script, built: cst.Call) -> list[cst.Call]:
    """The layer constructions of `Sequential(A(), B())` or `Sequential(*[Block() for _ in ...])`."""
    args = list(built.args)
    if len(args) == 1 and args[0].star == "*" and isinstance(args[0].value, (cst.ListComp, cst.GeneratorExp)) \
            and isinstance(args[0].value.elt, cst.Call):
        return [args[0].value.elt]
    if args and all(not arg.star and arg.keyword is None and isinstance(arg.value, cst.Call) for arg in args):
        return [arg.value for arg in args]
    return []


def _as_module_list(script: Script, built: cst.Call) -> cst.BaseExpression:
    module_list = f"{script.code(built.func).rpartition('.')[0] or script.nn}.ModuleList"
    args = list(built.args)
    if len(args) == 1 and args[0].star == "*":
        inner = args[0].value
        listed = script.code(inner) if isinstance(inner, cst.ListComp) else f"[{script.code(inner)[1:-1]}]"
        return expr(f"{module_list}({listed})")
    return expr(f"{module_list}([{', '.join(script.code(arg.value) for arg in args)}])")


def _takes(script: Script, layer: cst.Call, inputs: int) -> bool:
    """The layer is a module class of the file whose forward takes exactly `inputs` positional
    inputs (and returns a value)."""
    for node in script.nodes(cst.ClassDef):
        if node.name.value == kind_of(layer):
            forward = next((item for item in node.body.body if isinstance(item, cst.FunctionDef)
                            and item.name.value == "forward"), None)
            if forward is None or forward.params.star_arg not in (cst.MaybeSentinel.DEFAULT, None):
                return False
            required = [p for p in forward.params.params[1:] if p.default is None]
            return len(required) == inputs and len(parameters(forward)) >= inputs
    return False


def _simple_call(call: cst.Call) -> bool:
    """Positional inputs only, and the shared ones are plain names or attributes (read each step)."""
    args = list(call.args)
    return (all(not arg.star and arg.keyword is None for arg in args)
            and all(dotted(arg.value) is not None for arg in args[1:]))


def _in_statement(script: Script, call: cst.Call) -> bool:
    """The call sits in a simple statement of a function body, not in a lambda or comprehension."""
    line = script.statement_of(call)
    return isinstance(line, cst.SimpleStatementLine) and not any(
        isinstance(a, (cst.Lambda, cst.ListComp, cst.GeneratorExp, cst.DictComp, cst.SetComp, cst.IfExp,
                       cst.BooleanOperation)) for a in _between(script, call, line))


def _between(script: Script, node: cst.CSTNode, stop: cst.CSTNode) -> list[cst.CSTNode]:
    found = []
    for ancestor in script.ancestors(node):
        if ancestor is stop:
            break
        found.append(ancestor)
    return found


def _only_called(script: Script, held: str, calls: list[cst.Call]) -> bool:
    """The Sequential is otherwise only indexed, measured, iterated or reached into (its methods),
    which a ModuleList also allows; not handed on somewhere that would call it."""
    uses = [node for node in script.nodes((cst.Attribute, cst.Name)) if dotted(node) == held
            and not isinstance(script.parents.get(node), cst.Attribute)]
    called = {call.func for call in calls}
    for use in uses:
        parent = script.parents.get(use)
        if use in called or isinstance(parent, (cst.AssignTarget, cst.Subscript)):
            continue
        if isinstance(parent, cst.Arg) and isinstance(call := script.parents.get(parent), cst.Call) \
                and kind_of(call) in ("len", "enumerate", "list", "iter"):
            continue
        if isinstance(parent, cst.For) and parent.iter is use:
            continue
        return False
    return True


def _free(script: Script, call: cst.Call, wanted: str) -> str:
    """A name the function of the call does not use yet."""
    function = script.function_of(call)
    taken = {node.value for node in script.nodes(cst.Name) if script.function_of(node) is function}
    candidate, number = wanted, 2
    while candidate in taken:
        candidate, number = f"{wanted}{number}", number + 1
    return candidate
