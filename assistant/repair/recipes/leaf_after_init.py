"""`torch.randn(3, requires_grad=True) * 0.01` is the result of a multiplication, not the leaf the
user created: autograd fills `.grad` only on leaves (so reading it warns and gives None) and an
optimizer refuses to update anything else. Both entries give the same fix: compute the final
values first and make that tensor the leaf, `(torch.randn(3) * 0.01).requires_grad_()`. The
recipe rewrites the definition of each such tensor the failing line uses (the optimizer's
parameters, the tensor whose `.grad` is read), followed into the helper that made it
(`w, b = init_params()`), into the `self.` attributes a hand-written model class's own
`parameters()` method lists, and through a loop over tensors (`for p in (w, b): p.grad`), also over
a list built by a comprehension (`params = [torch.randn(n, requires_grad=True) / n for n in dims]`).

A tensor whose `.grad` is read but that is an intermediate result by design (an activation,
logits) cannot become a leaf without cutting the graph; for those the entry's fix is to keep its
gradient with `t.retain_grad()` right after it is computed: where `forward` stores it for
`probe.feat.grad`, after `h = model[0](x)` for one layer of a container, and where `forward`
files each activation into a collection of the module (`self.acts[name] = h`,
`self.acts.append(h)`) whose tensors are read in a loop (`for k, t in model.acts.items(): t.grad`,
also with the collection passed to a helper).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from assistant.repair.recipes import Problem
from assistant.repair.recipes._definitions import assignment, loop_binding, parameters, returned
from assistant.repair.recipes._edit import Edits, Script, callee, dotted, keyword, kind_of, positional

name = "leaf-after-init"
_OPTIMIZER_MODULES = ("torch.optim", "optim")
_MAKE_LEAF = "requires_grad_()"
_LEAF_WRAPPERS = ("nn.Parameter", "torch.nn.Parameter", "Parameter")
_MAX_DEPTH = 3


Fix = tuple[cst.BaseExpression, str, str]  # (definition, 'leaf' or 'retain', the tensor's name there)


def match(problem: Problem) -> list[Fix] | None:
    """(definition, what to do, the tensor) for each tensor the failing line hands to an
    optimizer, or for each tensor whose `.grad` is read."""
    script = problem.script
    optimizers = [call for line in problem.facts.user_lines for call in script.calls_on(line) if _is_optimizer(call)]
    if optimizers:
        names = [name for call in optimizers for name in _parameters(call)]
        found = [(value, "leaf", name) for name in names
                 if (value := _origin(script, name, optimizers[0])) is not None and _scaled_leaf(value)]
        found += [(value, "leaf", name) for call in optimizers for name, value in _listed_by_method(script, call)
                  if _scaled_leaf(value)]
        found += [(value, "leaf", name) for name in names for value in _collected(script, name, optimizers[0])
                  if _scaled_leaf(value) and all(value is not seen for seen, _, _ in found)]
        return found or None
    return _grad_read_fixes(script) or None


def _grad_read_fixes(script: Script) -> list[Fix]:
    """A leaf made after the scaling for a scaled tensor, a kept gradient for an activation."""
    found: list[Fix] = _built_in_comprehensions(script) + _collected_activations(script)
    for name, user in _read_tensors(script):
        bound = _definition(script, name, user)
        origin = _origin(script, name, user) or (bound[1] if bound else None)
        if bound is None or origin is None or any(seen in (bound[1], origin) for seen, _, _ in found):
            continue
        if _scaled_leaf(origin):
            found.append((origin, "leaf", name))
        elif not _creates_leaf(bound[1]) and _tracked(script, bound[1]) and script.statement_of(bound[1]) is not None:
            found.append((bound[1], "retain", bound[0]))
    return found


def apply(problem: Problem, found: list[Fix]) -> Edits:
    script = problem.script
    edits = problem.edits()
    for value, action, tensor in found:
        if action == "leaf":
            edits.replace(value, script.with_method(value.visit(_DropRequiresGrad()), _MAKE_LEAF))
        else:
            edits.insert_after(script.statement_of(value), cst.parse_statement(f"{tensor}.retain_grad()\n"))
    return edits


def _is_optimizer(call: cst.Call) -> bool:
    name = dotted(call.func) or ""
    return name.rpartition(".")[0] in _OPTIMIZER_MODULES and bool(positional(call))


def _parameters(call: cst.Call) -> list[str]:
    """The names in `SGD([w, b], ...)` or `Adam([{"params": [w]}, ...])`."""
    params = positional(call)[0].value
    names = [dotted(node) for node in m.findall(params, m.Name() | m.Attribute())]
    return [name for name in names if name is not None and "." not in name]


def _listed_by_method(script: Script, optimizer: cst.Call) -> list[tuple[str, cst.BaseExpression]]:
    """(`self.W1`, its value in `__init__`) for each attribute that a method of a hand-written
    model class of the file returns in a list when the optimizer is given that method's result
    (`Adam(net.parameters())` with `def parameters(self): return [self.W1, self.b1]`)."""
    given = positional(optimizer)[0].value
    if not isinstance(given, cst.Call) or not isinstance(given.func, cst.Attribute) or given.args:
        return []
    built = script.bindings.get(dotted(given.func.value) or "")
    classes = [node for node in script.nodes(cst.ClassDef) if built is not None and node.name.value == kind_of(built)]
    methods = [node for node in (classes[0].body.body if len(classes) == 1 else ())
               if isinstance(node, cst.FunctionDef) and node.name.value == given.func.attr.value]
    returns = [node.value for node in m.findall(methods[0], m.Return())] if len(methods) == 1 else []
    if len(returns) != 1 or not isinstance(returns[0], (cst.List, cst.Tuple)):
        return []
    found = []
    for element in returns[0].elements:
        attribute = dotted(element.value) or ""
        assigned = [node.value for node in m.findall(classes[0], m.Assign()) if isinstance(node, cst.Assign)
                    and any(dotted(target.target) == attribute for target in node.targets)]
        if attribute.startswith("self.") and len(assigned) == 1:
            found.append((attribute, assigned[0]))
    return found


def _collected(script: Script, name: str, user: cst.CSTNode) -> list[cst.BaseExpression]:
    """The tensors a collection handed to the optimizer holds: the elements of a list, tuple or
    dict literal (a name among them followed to its value), or what `name.append(...)` adds to a
    list started empty (`weights = []`, then `weights.append(torch.randn(...) * s)` in a loop)."""
    origin = _origin(script, name, user)
    if isinstance(origin, (cst.List, cst.Tuple)) and not origin.elements:
        return [call.args[0].value for call in script.calls() if isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "append" and dotted(call.func.value) == name and len(call.args) == 1
                and script.span(call)[0] < script.span(user)[0]]
    if isinstance(origin, cst.Dict):
        values = [element.value for element in origin.elements if isinstance(element, cst.DictElement)]
    elif isinstance(origin, (cst.List, cst.Tuple)):
        values = [element.value for element in origin.elements if not isinstance(element, cst.StarredElement)]
    else:
        return []
    return [(_origin(script, dotted(value), value) or value) if dotted(value) else value for value in values]


def _grad_reads(script: Script) -> list[cst.Attribute]:
    """`w.grad` or `probe.feat.grad` wherever it is read (assignments to `.grad` are not reads)."""
    reads = [node for node in script.nodes(cst.Attribute) if node.attr.value == "grad" and dotted(node.value)]
    written = {id(target.target) for node in script.nodes(cst.Assign) for target in node.targets}
    return [read for read in reads if id(read) not in written]


def _read_tensors(script: Script) -> list[tuple[str, cst.CSTNode]]:
    """(name, where it is used) of each tensor whose `.grad` is read: the loop variable of
    `for p in (w, b): p.grad` stands for `w` and `b`."""
    found = []
    for read in _grad_reads(script):
        name = dotted(read.value)
        loop = loop_binding(script, name, read)
        if loop is not None and isinstance(loop.target, cst.Name) and isinstance(loop.iter, (cst.Tuple, cst.List)):
            found += [(element, loop) for item in loop.iter.elements if (element := dotted(item.value))]
        else:
            found.append((name, read))
    return found


def _built_in_comprehensions(script: Script) -> list[Fix]:
    """The element of `params = [torch.randn(n, m, requires_grad=True) / n ** 0.5 for ...]` when
    `for p in params: p.grad` reads the gradient: each tensor of the list is scaled after it was
    made a leaf."""
    found: list[Fix] = []
    for read in _grad_reads(script):
        name = dotted(read.value)
        loop = loop_binding(script, name, read)
        listed = dotted(loop.iter) if loop is not None and isinstance(loop.target, cst.Name) else None
        bound = assignment(script, listed, loop) if listed else None
        if bound is not None and isinstance(bound[1], cst.ListComp) and _scaled_leaf(bound[1].elt) \
                and all(seen is not bound[1].elt for seen, _, _ in found):
            found.append((bound[1].elt, "leaf", name))
    return found


def _collected_activations(script: Script) -> list[Fix]:
    """`h` of `self.acts[k] = h` / `self.acts.append(h)` in a module's `forward`, `h` computed
    there, when a loop reads `.grad` of the tensors of `acts` (`model.acts.items()`, `.values()`,
    the list itself, or a helper's parameter that calls pass `model.acts` for)."""
    found: list[Fix] = []
    for read in _grad_reads(script):
        name = dotted(read.value)
        loop = loop_binding(script, name, read)
        if loop is None or (attribute := _collection_attribute(script, loop)) is None:
            continue
        for value in _stored_in_forward(script, attribute):
            if all(seen is not value for seen, _, _ in found):
                found.append((value, "retain", value.value))
    return found


def _collection_attribute(script: Script, loop: cst.For) -> str | None:
    """`acts` for `for k, t in model.acts.items()` (or `.values()`, or `for t in model.acts`,
    through `enumerate`),
    also when the collection is a parameter every call of the helper gives `model.acts` for."""
    source = loop.iter
    if isinstance(source, cst.Call) and dotted(source.func) == "enumerate" and len(source.args) == 1:
        source = source.args[0].value
    if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) \
            and source.func.attr.value in ("items", "values") and not source.args:
        source = source.func.value
    held = dotted(source)
    function = script.function_of(loop)
    if held is None:
        return None
    if "." in held:
        return held.rsplit(".", 1)[1]
    if function is None or held not in parameters(function):
        return None
    index = parameters(function).index(held)
    given = {dotted(args[index].value) for call in script.calls() if kind_of(call) == function.name.value
             and len(args := positional(call)) > index}
    attribute = given.pop() if len(given) == 1 else None
    return attribute.rsplit(".", 1)[1] if attribute and "." in attribute else None


def _stored_in_forward(script: Script, attribute: str) -> list[cst.Name]:
    """The names a module's `forward` stores into `self.<attribute>`, each bound in `forward`
    to a computed value before it is stored."""
    found = []
    for forward in script.nodes(cst.FunctionDef):
        if forward.name.value != "forward":
            continue
        for node in m.findall(forward, m.Assign() | m.Call()):
            if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Subscript) \
                    and dotted(node.targets[0].target.value) == f"self.{attribute}":
                value = node.value
            elif isinstance(node, cst.Call) and dotted(node.func) == f"self.{attribute}.append" and len(node.args) == 1:
                value = node.args[0].value
            else:
                continue
            computed = _computed_before(script, forward, value) if isinstance(value, cst.Name) else None
            if computed is not None and isinstance(computed, (cst.Call, cst.BinaryOperation)) and not _creates_leaf(computed):
                found.append(value)
    return found


def _computed_before(script: Script, function: cst.FunctionDef, name: cst.Name) -> cst.BaseExpression | None:
    """The value the last `name = ...` of `function` before `name`'s line gives it (a parameter
    such as `forward`'s `x` counts once the body rebinds it)."""
    line = script.span(name)[0]
    bound = [node.value for node in m.findall(function, m.Assign()) if isinstance(node, cst.Assign)
             and len(node.targets) == 1 and dotted(node.targets[0].target) == name.value and script.span(node)[0] < line]
    return bound[-1] if bound else None


def _definition(script: Script, name: str, user: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """(the name the definition gives it, the value) of the tensor: its assignment, the one a
    helper returns into a tuple (`w, b = init()`), or `self.feat = ...` in the class of `probe`
    for `probe.feat`."""
    if (bound := assignment(script, name, user)) is not None:
        return name, bound[1]
    return _unpacked_from_helper(script, name, user) or _instance_attribute(script, name)


def _unpacked_from_helper(script: Script, name: str, user: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """`w1, b1 = init_params(...)` where the helper ends in `return w, b`: `w`'s definition."""
    for node in script.nodes(cst.Assign):
        target = node.targets[0].target
        if len(node.targets) != 1 or not isinstance(target, cst.Tuple) or not isinstance(node.value, cst.Call) \
                or script.span(node)[0] > script.span(user)[0]:
            continue
        names = [dotted(element.value) for element in target.elements]
        results = [result for result in returned(script, node.value)
                   if isinstance(result, cst.Tuple) and len(result.elements) == len(names)]
        if name in names and len(results) == 1 and (inner := dotted(results[0].elements[names.index(name)].value)):
            if (bound := assignment(script, inner, results[0])) is not None:
                return inner, bound[1]
    return None


def _instance_attribute(script: Script, name: str) -> tuple[str, cst.BaseExpression] | None:
    """`self.feat = ...` for `probe.feat`, `probe` being built from a class of this file."""
    owner, _, attribute = name.rpartition(".")
    built = script.bindings.get(owner)
    if not owner or "." in owner or built is None:
        return None
    for node in script.nodes(cst.ClassDef):
        if node.name.value == kind_of(built):
            assigned = [a for a in m.findall(node, m.Assign()) if isinstance(a, cst.Assign)
                        and any(dotted(t.target) == f"self.{attribute}" for t in a.targets)]
            if len(assigned) == 1:
                return f"self.{attribute}", assigned[0].value
    return None


def _scaled_leaf(value: cst.BaseExpression) -> bool:
    """An operation on a tensor created with `requires_grad=True` (or `.requires_grad_()`); a
    collection of tensors is none (its elements may be: `_collected`)."""
    if _creates_leaf(value) or (isinstance(value, cst.Call) and dotted(value.func) in _LEAF_WRAPPERS):
        return False
    if isinstance(value, (cst.List, cst.Tuple, cst.Dict, cst.Set)):
        return False
    return any(_creates_leaf(call) for call in m.findall(value, m.Call()))


def _creates_leaf(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call):
        return False
    flag = keyword(node, "requires_grad")
    if flag is not None:
        return isinstance(flag.value, cst.Name) and flag.value.value == "True"
    if not isinstance(node.func, cst.Attribute) or node.func.attr.value != "requires_grad_":
        return False
    return not node.args or (len(node.args) == 1 and isinstance(flag := node.args[0].value, cst.Name)
                             and flag.value == "True")


def _tracked(script: Script, value: cst.BaseExpression, depth: int = 0) -> bool:
    """A result autograd tracks: a model's (or a layer's) output, or computed from one or from a
    tensor that requires grad (followed through the names it uses and the helpers it calls)."""
    if depth > _MAX_DEPTH or not isinstance(value, (cst.Call, cst.BinaryOperation, cst.Subscript)):
        return False
    calls = [call for call in m.findall(value, m.Call()) if isinstance(call, cst.Call)]
    if any(script.is_model_call(call) or _runs_layer(script, call) for call in calls):
        return True
    if any(_creates_leaf(call) for call in m.findall(value, m.Call())):
        return True
    if any(_tracked(script, result, depth + 1) for call in calls for result in returned(script, call)):
        return True  # a helper of this file that computes it (`x = preprocess(raw)`)
    names = {dotted(node) for node in m.findall(value, m.Name())} - {None}
    return any((bound := assignment(script, name, value)) is not None and _tracked(script, bound[1], depth + 1)
               for name in names)


def _runs_layer(script: Script, call: cst.Call) -> bool:
    """`model[0](x)`: a layer of a container built from torch.nn, called on data."""
    if not isinstance(call.func, cst.Subscript) or (base := dotted(call.func.value)) is None:
        return False
    built = script.bindings.get(base)
    return built is not None and (callee(built) or "").startswith(("nn.", "torch.nn."))


def _origin(script: Script, name: str | None, user: cst.CSTNode) -> cst.BaseExpression | None:
    """The value that made the tensor: followed through aliases (`w = weights`) and helpers
    defined in this file that return a name (`w = init_weights()`)."""
    bound = assignment(script, name, user) if name else None
    for _ in range(_MAX_DEPTH):
        if bound is None:
            return None
        value = bound[1]
        results = returned(script, value) if isinstance(value, cst.Call) else []
        if (alias := dotted(value)) is not None:
            follow = assignment(script, alias, value)
        elif len(results) == 1 and isinstance(results[0], cst.Name):
            follow = assignment(script, results[0].value, results[0])
        else:
            return value
        if follow is None:
            return value
        bound = follow
    return bound[1] if bound else None


class _DropRequiresGrad(cst.CSTTransformer):
    """`torch.randn(3, requires_grad=True)` -> `torch.randn(3)`; `t.requires_grad_()` -> `t`."""

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if isinstance(updated_node.func, cst.Attribute) and updated_node.func.attr.value == "requires_grad_":
            return updated_node.func.value
        args = [arg for arg in updated_node.args if not (arg.keyword and arg.keyword.value == "requires_grad")]
        if len(args) == len(updated_node.args):
            return updated_node
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(args=args)
