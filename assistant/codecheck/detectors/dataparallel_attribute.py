"""A model wrapped in DataParallel / DistributedDataParallel used by its own methods or attributes
(`model.predict(x)`, `model.fc`): the wrapper has only `.module`, "'DataParallel' object has no
attribute 'predict'"."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._torch_names import module_classes

name = "dataparallel-attribute"
WRAPPERS = ("torch.nn.DataParallel", "torch.nn.parallel.DataParallel", "torch.nn.parallel.DistributedDataParallel",
            "torch.nn.parallel.distributed.DistributedDataParallel")
MOVES = ("to", "cuda", "cpu", "float", "double", "half")
# What the wrappers answer themselves: nn.Module's API and DataParallel's / DDP's own methods and attributes.
WRAPPER_API = frozenset("""
add_module apply bfloat16 buffers children compile cpu cuda double eval extra_repr float forward get_buffer
get_extra_state get_parameter get_submodule half ipu load_state_dict modules mtia named_buffers named_children
named_modules named_parameters parameters register_backward_hook register_buffer register_forward_hook
register_forward_pre_hook register_full_backward_hook register_full_backward_pre_hook register_module
register_parameter register_state_dict_pre_hook register_state_dict_post_hook register_load_state_dict_pre_hook
register_load_state_dict_post_hook requires_grad_ set_extra_state set_submodule share_memory state_dict to to_empty
train type xpu zero_grad training dump_patches call_super_init T_destination
module device_ids output_device dim src_device_obj replicate scatter gather parallel_apply
broadcast_buffers join join_device join_hook join_process_group no_sync register_comm_hook to_kwargs
will_sync_module_buffers process_group find_unused_parameters static_graph gradient_as_bucket_view
require_backward_grad_sync require_forward_param_sync parameters_to_ignore reducer logger device_type device
bucket_bytes_cap broadcast_bucket_size mixed_precision bucket_cap_mb check_reduction delay_all_reduce_named_params
param_to_hook_all_reduce device_mesh skip_all_reduce_unused_params forward_sync_buffers init_sync
""".split())


@precondition(lambda code: "DataParallel" in code.source)
def check(code: Code) -> Iterator[Hit]:
    modules = module_classes(code)
    wrapped_names = _names_given_a_wrapper(code)
    for node in code.nodes_of(ast.Attribute) if wrapped_names else ():
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in wrapped_names):
            continue
        wrapped = _wrapped_class(code, node.value, modules)
        if wrapped is not None and node.attr in _own_names(wrapped):
            yield Hit.at(code, node, f"{node.value.id} is a {_wrapper_name(code, node.value)} around {wrapped.name}: "
                         f"{wrapped.name}'s own .{node.attr} is on {node.value.id}.module.{node.attr}")
        elif wrapped is None and _not_on_wrapper(code, node) and (how := _how_wrapped(code, node.value)):
            yield Hit.at(code, node, f"{node.value.id} {how}, and the wrapper has no .{node.attr} of its own: the "
                         f"model's is on {node.value.id}.module.{node.attr}")


def _names_given_a_wrapper(code: Code) -> set[str]:
    """The names some assignment binds to a DataParallel / DDP construction (or to its `.cuda()`)."""
    spellings = _wrapper_spellings(code)
    names = set()
    for call in code.calls_of(*spellings):
        if code.resolved(call.func) not in WRAPPERS:
            continue
        node: ast.AST = call
        while isinstance(parent := code.parents.get(node), (ast.Attribute, ast.Call)) and (
                not isinstance(parent, ast.Attribute) or parent.attr in MOVES):
            node = parent
        if isinstance(parent, ast.Assign):
            names |= {t.id for t in parent.targets if isinstance(t, ast.Name)}
    return names


def _wrapper_spellings(code: Code) -> set[str]:
    """The names a wrapper is called by: its own, and an alias (`DistributedDataParallel as DDP`)."""
    aliases = {alias for alias, full in code.imported.items() if full in WRAPPERS}
    return {"DataParallel", "DistributedDataParallel", *aliases}


def _wrapper_call(code: Code, name: ast.Name) -> ast.Call | None:
    """The wrapper construction a name holds, also when moved on (`nn.DataParallel(net).cuda()`)."""
    wrapper = code.reaching_value(name)
    if isinstance(wrapper, ast.Call) and isinstance(wrapper.func, ast.Attribute) and wrapper.func.attr in MOVES \
            and isinstance(wrapper.func.value, ast.Call):
        wrapper = wrapper.func.value
    return wrapper if isinstance(wrapper, ast.Call) else None


def _wrapped_class(code: Code, name: ast.Name, modules: dict[str, ast.ClassDef]) -> ast.ClassDef | None:
    wrapper = _wrapper_call(code, name)
    if not (isinstance(wrapper, ast.Call) and code.resolved(wrapper.func) in WRAPPERS and wrapper.args):
        return None
    inner = wrapper.args[0]
    built = code.reaching_value(inner) if isinstance(inner, ast.Name) else inner
    if isinstance(built, ast.Call) and isinstance(built.func, ast.Attribute) and built.func.attr in MOVES:
        built = built.func.value
        built = code.reaching_value(built) if isinstance(built, ast.Name) else built
    if isinstance(built, ast.Call) and isinstance(built.func, ast.Name):
        return modules.get(built.func.id)
    return None


def _how_wrapped(code: Code, name: ast.Name) -> str | None:
    """How the name holds a DataParallel / DDP construction around a model not in view: for
    certain, or after `if torch.cuda.device_count() > 1: model = nn.DataParallel(model)` (then on a
    machine with several GPUs)."""
    wrapper = _wrapper_call(code, name)
    if wrapper is not None and code.resolved(wrapper.func) in WRAPPERS and wrapper.args:
        return f"is a {_wrapper_name(code, name)} around {source_of(wrapper.args[0])}"
    for value in code.assigned(code.scope_of(name), name.id):
        if isinstance(value, ast.Call) and code.resolved(value.func) in WRAPPERS and value.args \
                and isinstance(value.args[0], ast.Name) and value.args[0].id == name.id and value.lineno < name.lineno \
                and any(isinstance(a, ast.If) for a in code.ancestors(value)):
            wrapper_name = (code.resolved(value.func) or "").rpartition(".")[2]
            return f"is a {wrapper_name} when the branch on line {value.lineno} wraps it"
    return None


def _not_on_wrapper(code: Code, node: ast.Attribute) -> bool:
    """An attribute that neither nn.Module, DataParallel nor DistributedDataParallel has, and that
    the code never sets on the wrapper itself: it can only be the wrapped model's."""
    if node.attr.startswith("_") or node.attr in WRAPPER_API or not isinstance(node.ctx, ast.Load):
        return False
    wrapper = _wrapper_call(code, node.value)  # type: ignore[arg-type]
    if wrapper is not None and any(k.arg == node.attr for k in wrapper.keywords):
        return False  # an option of the wrapper, kept as its attribute
    stores = _attributes_set(code).get((node.value.id, node.attr), [])  # type: ignore[attr-defined]
    return not any(_set_before(code, store, node) for store in stores)


def _attributes_set(code: Code) -> dict[tuple[str, str], list[ast.Attribute]]:
    """Each `name.attribute = ...` of the file, by (name, attribute)."""
    if "attributes set on names" not in code.memo:
        found: dict[tuple[str, str], list[ast.Attribute]] = {}
        for n in code.nodes_of(ast.Attribute):
            if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name):
                found.setdefault((n.value.id, n.attr), []).append(n)
        code.memo["attributes set on names"] = found
    return code.memo["attributes set on names"]  # type: ignore[return-value]


def _set_before(code: Code, store: ast.Attribute, load: ast.Attribute) -> bool:
    """Whether the store may run before the load: above it, in another function (called who knows
    when), or in a loop around both. `in_f = net.fc.in_features` above `net.fc = ...` reads the
    wrapper before anything set it."""
    if store.lineno < load.lineno or code.scope_of(store) is not code.scope_of(load):
        return True
    loops = {a for a in code.ancestors(load) if isinstance(a, (ast.For, ast.While, ast.AsyncFor))}
    return any(a in loops for a in code.ancestors(store))


def _own_names(cls: ast.ClassDef) -> set[str]:
    """Methods the class defines (but forward and dunders) and the attributes it sets on self."""
    methods = {s.name for s in cls.body if isinstance(s, ast.FunctionDef) and not s.name.startswith("__")} - {"forward"}
    attributes = {n.attr for n in ast.walk(cls) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
                  and isinstance(n.value, ast.Name) and n.value.id == "self"}
    return methods | attributes


def _wrapper_name(code: Code, name: ast.Name) -> str:
    wrapper = _wrapper_call(code, name)
    return (code.resolved(wrapper.func) or "DataParallel").rpartition(".")[2]  # type: ignore[union-attr]
