"""A model whose flattened width is computed from a constructor parameter (`image_size=32`,
`seq_len=100`) reshapes to that width in its forward and sizes a layer with it. When the script
builds the model without passing the parameter, the default describes other data than the
script's, and the reshape fails on the element count. The careful engineer passes the script's own
value for the data's size where the model is built; the reshape and the layer stay as written.

The recipe reads this, not names: for each parameter with a default that the one construction of
the failing reshape's class leaves out, and each value the building code can see (names, argparse
fields, config entries it reads there), it passes that value in a copy of the script and evaluates
the reshape's sizes again (sizes read from the tensor, `x.size(0)`, keep the message's). A value
is taken only when it gives exactly the element count the message reports, also changes a layer
constructor's size in the class, and no other value or parameter does: otherwise there is no
telling which size belongs to the data, and the recipe refuses.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import libcst as cst

from assistant.repair.recipes import Problem, needs_failing_line
from assistant.repair.recipes._definitions import assignment, parameters
from assistant.repair.recipes._edit import Edits, Script, dotted, keyword, kind_of, parse_shape, positional, with_keyword
from assistant.repair.recipes._values import definitions, field_of_parsing_helper, integer, parsed_fields
from assistant.repair.recipes.integer_layer_size import SIZED

name = "data-size-to-constructor"
_RESHAPES = ("view", "reshape")


@needs_failing_line
def match(problem: Problem) -> tuple[cst.Call, str, str] | None:
    """(the model's construction, the parameter to pass, the code of the value to pass)."""
    shape, numel = parse_shape(problem.facts.values.get("shape")), problem.facts.values.get("numel", "")
    if not shape or not numel.isdigit():
        return None
    script = problem.script
    reshapes = [call for call in script.calls() if _is_reshape(call)]
    for reshape in script.at_failure(reshapes, problem.facts.user_lines):
        found = _fitting_values(script, reshape, shape, int(numel))
        if len(found) == 1:
            return found[0]
    return None


def apply(problem: Problem, found: tuple[cst.Call, str, str]) -> Edits:
    construction, parameter, value = found
    edits = problem.edits()
    edits.replace(construction, with_keyword(construction, parameter, value))
    return edits


def _is_reshape(call: cst.Call) -> bool:
    return (isinstance(call.func, cst.Attribute) and call.func.attr.value in _RESHAPES
            and len(positional(call)) > 1 and not any(arg.star for arg in call.args))


def _fitting_values(script: Script, reshape: cst.Call, shape: tuple[int, ...], numel: int) -> list[tuple[cst.Call, str, str]]:
    """Every (construction, parameter, value) whose passing makes the reshape's sizes multiply to
    the message's element count and resizes a layer of the class."""
    owner = _owning_class(script, reshape)
    init = _init_of(owner) if owner is not None else None
    constructions = [call for call in script.calls() if owner is not None and kind_of(call) == owner.name.value]
    if init is None or len(constructions) != 1 or any(arg.star for arg in constructions[0].args):
        return []
    construction = constructions[0]
    before = _sizes(script, reshape, shape)
    if before is None:
        return []
    index = script.calls().index(reshape)
    fitting = []
    for parameter in _left_to_default(init, construction):
        for value, number in dict(_visible_values(script, construction)).items():
            patched = Script(script.module.deep_replace(construction, with_keyword(construction, parameter, str(number))).code)
            after = _sizes(patched, patched.calls()[index], shape, known=before)
            if after and after != before and _count_fits(after, numel) and _resizes_a_layer(script, patched, init):
                fitting.append((construction, parameter, value))
    return fitting


def _owning_class(script: Script, node: cst.CSTNode) -> cst.ClassDef | None:
    return next((a for a in script.ancestors(node) if isinstance(a, cst.ClassDef)), None)


def _init_of(owner: cst.ClassDef) -> cst.FunctionDef | None:
    return next((item for item in owner.body.body if isinstance(item, cst.FunctionDef) and item.name.value == "__init__"), None)


def _left_to_default(init: cst.FunctionDef, construction: cst.Call) -> list[str]:
    """The parameters with a default that the construction does not pass."""
    names, given = parameters(init), len(positional(construction))
    defaulted = [param.name.value for param in (*init.params.params, *init.params.kwonly_params) if param.default is not None]
    return [p for p in defaulted if keyword(construction, p) is None and not (p in names and names.index(p) < given)]


def _sizes(script: Script, reshape: cst.Call, shape: tuple[int, ...], known: tuple[int, ...] | None = None) -> tuple[int, ...] | None:
    """The reshape's sizes as the code gives them; a size only the tensor knows (`x.size(0)`) is
    the message's. None when the code's reading contradicts the message (then it is not this call)."""
    args = positional(reshape)
    if len(args) != len(shape):
        return None
    sizes = []
    for position, arg in enumerate(args):
        value = integer(script, arg.value)
        if known is None and value is not None and value != shape[position]:
            return None
        sizes.append(value if value is not None else (known or shape)[position])
    return tuple(sizes)


def _count_fits(sizes: tuple[int, ...], numel: int) -> bool:
    rest = math.prod(size for size in sizes if size != -1)
    return rest > 0 and (numel % rest == 0 if -1 in sizes else rest == numel) and sizes.count(-1) <= 1


def _resizes_a_layer(script: Script, patched: Script, init: cst.FunctionDef) -> bool:
    """Whether the passed value changes a size argument of a layer the class builds in __init__."""
    start, end = script.span(init)
    layers = [call for call in script.calls() if kind_of(call) in SIZED and start <= script.span(call)[0] <= end]
    changed = [call for call in patched.calls() if kind_of(call) in SIZED and start <= patched.span(call)[0] <= end]
    return len(layers) == len(changed) and any(
        integer(script, old.value) != integer(patched, new.value)
        for layer, resized in zip(layers, changed) for old, new in zip(layer.args, resized.args))


def _visible_values(script: Script, construction: cst.Call) -> Iterator[tuple[str, int]]:
    """(code, value) of each integer the function building the model reads by name
    (`args.image_size`, `cfg["size"]`, `SIZE`), when the name it starts from is bound where the
    model is built. The copies of the script are evaluated with the number, so that a value read
    through a helper (`args = parse_args()`) counts as well."""
    scope = script.function_of(construction)
    for node in script.nodes((cst.Name, cst.Attribute, cst.Subscript)):
        if script.function_of(node) is not scope or _is_called(script, node):
            continue
        root = _root_name(node)
        if root is None or isinstance(script.parents.get(node), cst.Attribute | cst.Subscript):
            continue
        if (scope is not None and root in parameters(scope)) or assignment(script, root, construction) is not None:
            if not _inside(script, node, construction) and (number := _number(script, node)) is not None:
                yield script.code(node), number
            yield from _fields_of(script, node)


def _fields_of(script: Script, node: cst.BaseExpression) -> Iterator[tuple[str, int]]:
    """The other integer entries of the config a read such as `cfg["classes"]` or `cfg.classes`
    comes from (a dict literal, argparse options, keyword arguments of `SimpleNamespace(...)`): a
    model built in a helper (`build(cfg)`) reads only some of them there."""
    holder = node.value if isinstance(node, (cst.Subscript, cst.Attribute)) else None
    if not isinstance(holder, cst.Name):
        return
    for source in definitions(script, holder):
        if isinstance(source, cst.Dict) and isinstance(node, cst.Subscript):
            entries = [(e.key.evaluated_value, e.value) for e in source.elements
                       if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)]
            spelled = [(f'{holder.value}["{key}"]', value) for key, value in entries]
        elif isinstance(source, cst.Call) and isinstance(node, cst.Attribute) and (options := parsed_fields(script, holder)):
            spelled = [(f"{holder.value}.{dest}", default) for dest, default in options if default is not None]
        elif isinstance(source, cst.Call) and isinstance(node, cst.Attribute):
            spelled = [(f"{holder.value}.{arg.keyword.value}", arg.value) for arg in source.args if arg.keyword is not None]
        else:
            continue
        for code, value in spelled:
            if (number := integer(script, value)) is not None:
                yield code, number


def _number(script: Script, node: cst.BaseExpression) -> int | None:
    if (number := integer(script, node)) is not None:
        return number
    default = field_of_parsing_helper(script, node)
    return integer(script, default) if default is not None else None


def _root_name(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Subscript):
        node = node.value
    name = dotted(node)
    return name.split(".")[0] if name else None


def _is_called(script: Script, node: cst.CSTNode) -> bool:
    parent = script.parents.get(node)
    return isinstance(parent, cst.Call) and parent.func is node


def _inside(script: Script, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    return node is container or any(a is container for a in script.ancestors(node))
