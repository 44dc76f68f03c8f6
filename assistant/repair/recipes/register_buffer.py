"""A tensor kept as a plain module attribute (`self.mean = torch.zeros(dim)`) is invisible to
`nn.Module`: `.double()`, `.half()` and `.to(device)` convert the parameters and leave it as it
was, and `state_dict()` does not save it. The first op in `forward` that meets it then mixes
dtypes. Registering it as a buffer makes it follow the module; `self.mean` still reads the same.
State the code updates (running statistics) or draws at random stays in the checkpoint; a
constant the constructor rebuilds (a filter, a table) is registered with `persistent=False`, so
checkpoints saved without it still load.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._edit import Edits, Script, callee, statement
from assistant.repair.recipes._models import module_classes

name = "register-buffer"
_RANDOM = ("rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial")
_IN_PLACE_WRITE = m.Call(func=m.Attribute(attr=m.Name(value=m.MatchIfTrue(lambda n: n.endswith("_") and not n.endswith("__")))))
Found = list[tuple[cst.SimpleStatementLine, str, cst.BaseExpression]]


@needs_failing_line
def match(problem: Problem) -> Found | None:
    """The `self.<name> = torch.<factory>(...)` statements of the attributes the innermost failing
    line that uses any reads, in the class that line belongs to."""
    script = problem.script
    for line in reversed(problem.facts.user_lines):
        found = _plain_tensors_read_on(script, line)
        if found:
            return found
    return None


def apply(problem: Problem, found: Found) -> Edits:
    script = problem.script
    edits = problem.edits()
    for line, attribute, value in found:
        persistent = "" if _is_state(script, attribute, value) else ", persistent=False"
        new = statement(f'self.register_buffer("{attribute}", {script.code(value)}{persistent})')
        edits.replace(line, new.with_changes(leading_lines=line.leading_lines, trailing_whitespace=line.trailing_whitespace))
    return edits


def _plain_tensors_read_on(script: Script, line: int) -> Found:
    attributes = _attributes_read_on(script, line)
    classes = [node for node in script.nodes(cst.ClassDef) if script.covers(node, line)
               and node.name.value in module_classes(script)]
    if not attributes or not classes:
        return []
    found = []
    for statement_line in m.findall(classes[-1], m.SimpleStatementLine([m.Assign()])):
        assign = statement_line.body[0]
        target = assign.targets[0].target if len(assign.targets) == 1 else None
        if (target is not None and m.matches(target, m.Attribute(value=m.Name("self")))
                and target.attr.value in attributes and _is_tensor_factory(assign.value)
                and _in_init(script, statement_line)):
            found.append((statement_line, target.attr.value, assign.value))
    return found


def _attributes_read_on(script: Script, line: int) -> set[str]:
    """The `self.` attributes the line reads, directly or through a local name the same function
    assigned from one (`kernel = self.kernel`)."""
    attributes = {node.attr.value for node in _self_attributes(script) if script.covers(node, line)}
    names = {node.value for node in script.nodes(cst.Name) if script.covers(node, line)}
    for node in script.nodes(cst.Assign):
        if (len(node.targets) == 1 and m.matches(node.targets[0].target, m.Name()) and node.targets[0].target.value in names
                and m.matches(node.value, m.Attribute(value=m.Name("self"))) and script.span(node)[0] < line):
            attributes.add(node.value.attr.value)
    return attributes


def _self_attributes(script: Script) -> list[cst.Attribute]:
    return [node for node in script.nodes(cst.Attribute) if m.matches(node.value, m.Name("self"))]


def _is_tensor_factory(value: cst.BaseExpression) -> bool:
    """`torch.zeros(dim)`, `torch.eye(n).roll(1, 0)`, `torch.eye(n) * 2`: a tensor torch functions
    build, not a layer or a Parameter."""
    if isinstance(value, cst.Call):
        if (name := callee(value)) is not None:
            return name.startswith("torch.") and not name.startswith("torch.nn.") and "Parameter" not in name
        return isinstance(value.func, cst.Attribute) and _is_tensor_factory(value.func.value)  # a tensor's method
    if isinstance(value, cst.BinaryOperation):
        return _is_tensor_factory(value.left) or _is_tensor_factory(value.right)
    return False


def _in_init(script: Script, node: cst.CSTNode) -> bool:
    function = script.function_of(node)
    return function is not None and function.name.value == "__init__"


def _is_state(script: Script, attribute: str, value: cst.BaseExpression) -> bool:
    """Drawn at random, or written after construction (in place or reassigned in another method):
    state to keep in checkpoints."""
    drawn = [call for call in m.findall(value, m.Call()) if isinstance(call, cst.Call)]
    if any((callee(call) or "").rsplit(".", 1)[-1] in _RANDOM for call in drawn):
        return True
    for node in _self_attributes(script):
        if node.attr.value != attribute or _in_init(script, node):
            continue
        parent = script.parents.get(node)
        if isinstance(parent, cst.Attribute) and m.matches(script.parents.get(parent), _IN_PLACE_WRITE):
            return True
        if isinstance(parent, (cst.AssignTarget, cst.AugAssign)) or (
                isinstance(parent, cst.Subscript) and isinstance(script.parents.get(parent), cst.AssignTarget)):
            return True
    return False
