"""A Dataset whose items carry 1-based class ids (`1..C`) used as indices into a per-class tensor
of size `C` fails on the last class with `index C is out of bounds ... with size C`. The entry
has no general fix, since an index one past the end can come from a loop bound or another size;
this recipe takes only the case the Dataset's own code shows to be 1-based: the ids attribute is
built from 1 (`torch.arange(n) % C + 1`, `torch.randint(1, C + 1, ...)`) or the class itself
indexes with it minus one (`self.centers[self.labels - 1]`). The fix converts the id once where
the Dataset hands it out, `int(self.labels[idx]) - 1`, so every user of the item sees 0-based ids.
Taken only when the failing index is exactly the size (one past the end) and the index name was
unpacked from indexing an instance of that Dataset (`x, label = ds[i]`, also through a parameter).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, passed
from assistant.repair.recipes._edit import Edits, Script, dotted, kind_of, positional

name = "zero-based-item-ids"
_TO_NUMBER = ("int", "float")


@needs_failing_line
def match(problem: Problem) -> cst.BaseExpression | None:
    """The element of `__getitem__`'s returned tuple that hands out the 1-based id."""
    values = problem.facts.values
    if not values.get("index", "").isdigit() or values.get("index") != values.get("size") or values["size"] == "0":
        return None
    script, lines = problem.script, problem.facts.user_lines
    indices = [node.slice[0].slice.value for node in script.nodes(cst.Subscript) if script.covers(node, lines[-1])
               and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
               and isinstance(node.slice[0].slice.value, cst.Name)]
    found = {id(element): element for index in indices if (element := _handed_out(script, index, lines)) is not None}
    return next(iter(found.values())) if len(found) == 1 else None


def apply(problem: Problem, element: cst.BaseExpression) -> Edits:
    edits = problem.edits()
    edits.replace(element, cst.parse_expression(f"{problem.script.code(element)} - 1"))
    return edits


def _handed_out(script: Script, index: cst.Name, lines: tuple[int, ...]) -> cst.BaseExpression | None:
    """The item element the index name was unpacked from (`x, label = ds[i]`), when it reads an
    ids attribute its Dataset shows to be 1-based."""
    unpacking = [node for node in script.nodes(cst.Assign) if len(node.targets) == 1
                 and isinstance(node.targets[0].target, cst.Tuple) and isinstance(node.value, cst.Subscript)
                 and script.function_of(node) is script.function_of(index) and script.span(node)[0] <= script.span(index)[0]
                 and index.value in [dotted(element.value) for element in node.targets[0].target.elements]]
    if not unpacking:
        return None
    assign = unpacking[-1]
    position = [dotted(element.value) for element in assign.targets[0].target.elements].index(index.value)
    dataset = _dataset_class(script, assign.value.value, lines)
    element = _item_element(dataset, position) if dataset is not None else None
    attribute = _read_attribute(element) if element is not None else None
    return element if attribute is not None and _one_based(script, dataset, attribute) else None


def _dataset_class(script: Script, instance: cst.BaseExpression, lines: tuple[int, ...]) -> cst.ClassDef | None:
    """The class defined here whose instance is indexed: bound in the function or passed by the caller."""
    name = dotted(instance)
    bound = assignment(script, name, instance) if name is not None else None
    made = bound[1] if bound is not None else passed(script, name, instance, lines) if name else None
    if isinstance(made, cst.Name) and (there := assignment(script, made.value, made)) is not None:
        made = there[1]
    if not isinstance(made, cst.Call):
        return None
    classes = [node for node in script.nodes(cst.ClassDef) if node.name.value == kind_of(made)]
    return classes[0] if len(classes) == 1 else None


def _item_element(dataset: cst.ClassDef, position: int) -> cst.BaseExpression | None:
    """The position-th element of the tuple `__getitem__` returns (its one return)."""
    getters = [item for item in dataset.body.body if isinstance(item, cst.FunctionDef) and item.name.value == "__getitem__"]
    returns = [node for node in m.findall(getters[0], m.Return())] if len(getters) == 1 else []
    if len(returns) != 1 or not isinstance(returns[0].value, cst.Tuple):
        return None
    elements = returns[0].value.elements
    return elements[position].value if position < len(elements) else None


def _read_attribute(element: cst.BaseExpression) -> str | None:
    """`self.labels` of `int(self.labels[idx])`, `self.labels[idx].item()`, `self.labels[idx]`."""
    if isinstance(element, cst.Call) and dotted(element.func) in _TO_NUMBER and len(element.args) == 1:
        element = element.args[0].value
    elif isinstance(element, cst.Call) and isinstance(element.func, cst.Attribute) and element.func.attr.value == "item":
        element = element.func.value
    name = dotted(element.value) if isinstance(element, cst.Subscript) else None
    return name if name is not None and name.startswith("self.") else None


def _one_based(script: Script, dataset: cst.ClassDef, attribute: str) -> bool:
    """The class builds the ids from 1 (`... + 1`, `torch.randint(1, ...)`) or indexes with them minus one."""
    built = [node.value for node in m.findall(dataset, m.Assign()) if isinstance(node, cst.Assign)
             and any(dotted(target.target) == attribute for target in node.targets)]
    from_one = any(_counts_from_one(value) for value in built)
    shifted = any(isinstance(index := node.slice[0].slice, cst.Index) and _minus_one(index.value, attribute)
                  for node in m.findall(dataset, m.Subscript()) if isinstance(node, cst.Subscript) and len(node.slice) == 1)
    return from_one or shifted


def _counts_from_one(value: cst.BaseExpression) -> bool:
    """`<ids> + 1` or `torch.randint(1, high, size)`."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        return isinstance(value.right, cst.Integer) and value.right.value == "1"
    if isinstance(value, cst.Call) and kind_of(value) == "randint" and len(args := positional(value)) >= 3:
        return isinstance(args[0].value, cst.Integer) and args[0].value.value == "1"
    return False


def _minus_one(index: cst.BaseExpression, attribute: str) -> bool:
    return isinstance(index, cst.BinaryOperation) and isinstance(index.operator, cst.Subtract) \
        and dotted(index.left) == attribute and isinstance(index.right, cst.Integer) and index.right.value == "1"
