"""A whole script that imports torch.distributed and, in code that runs when the script runs, asks the
default process group for something (`dist.get_rank()`, `dist.barrier()`, `dist.all_reduce(...)`,
`DistributedDataParallel(model)`, a `DistributedSampler` without rank and world size) while nothing
in the file ever creates it: "Default process group has not been initialized".

Only files whose imports are the standard library and well-known packages count, and names taken
from the user's own modules whose names say they build data or models (`from data import
build_val_dataset`): a helper like `from utils import init_distributed_mode` (or a whole module,
`import utils`) may initialise the group, and a library file that only defines functions is
initialised by whoever calls it."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, source_of
from assistant.codecheck.detectors import Hit, precondition
from assistant.codecheck.detectors._imports import KNOWN_PACKAGES

name = "distributed-without-process-group"
# what creates the group, or tests for one: their names anywhere in the file leave it alone
INITIALISING = ("init_process_group", "is_initialized", "init_device_mesh", "init_rpc", "initialize",
                "init_distributed", "DeviceMesh", "accelerate", "deepspeed", "lightning")
NEEDS_GROUP = frozenset({"get_rank", "get_world_size", "barrier", "monitored_barrier", "all_reduce", "all_gather",
                         "all_gather_object", "all_gather_into_tensor", "broadcast", "broadcast_object_list",
                         "reduce", "reduce_scatter", "reduce_scatter_tensor", "gather", "gather_object", "scatter",
                         "scatter_object_list", "all_to_all", "all_to_all_single", "new_group", "get_backend",
                         "destroy_process_group"})
WRAPPERS = ("torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.distributed.DistributedDataParallel")
SAMPLERS = ("torch.utils.data.distributed.DistributedSampler", "torch.utils.data.DistributedSampler")


@precondition(lambda code: "istributed" in code.source and not any(w in code.source for w in INITIALISING))
def check(code: Code) -> Iterator[Hit]:
    if not _whole_script_of_known_imports(code):
        return
    running = _running_functions(code)
    for call in sorted(code.calls, key=lambda c: (c.lineno, c.col_offset)):
        owner = code.scope_of(call)
        if owner is not code.tree and owner not in running:
            continue
        if (what := _needs_group(code, call)) is not None:
            where = "" if owner is code.tree else f" in {owner.name}(), which the script calls,"  # type: ignore[union-attr]
            yield Hit.at(code, call, f"{what}{where} needs the default process group, and nothing in this file "
                         "calls dist.init_process_group: run as a plain script it raises \"Default process group has "
                         "not been initialized\"; initialise the group (launched by torchrun), or fall back to rank 0 "
                         "when dist.is_initialized() is False")
            return


def _whole_script_of_known_imports(code: Code) -> bool:
    imports = code.nodes_of(ast.Import, ast.ImportFrom)
    modules = []
    for node in imports:
        if isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                return False
            if node.module.split(".")[0] not in KNOWN_PACKAGES | sys.stdlib_module_names \
                    and not _builders_only(node):
                return False
            modules.append(node.module)
        else:
            modules.extend(alias.name for alias in node.names)
            if any(alias.name.split(".")[0] not in KNOWN_PACKAGES | sys.stdlib_module_names for alias in node.names):
                return False
    return any(module.startswith("torch.distributed") or module == "torch" for module in modules)


_BUILDER = re.compile(r"^(build|make|create|get|load|read)_?(\w*_)?(model|net|dataset|data|loader|dataloader|"
                      r"transforms?|tokenizer|config|args)s?$|^[A-Z]\w*(Net|Model|Dataset)$", re.I)
_SETUP = re.compile(r"dist|init|setup|launch|parallel|ddp|rank|world|group|env", re.I)


def _builders_only(node: ast.ImportFrom) -> bool:
    """`from data import build_val_dataset, MyNet`: names of the user's own modules that build data or
    models, which do not set up the process group; anything else (`init_distributed_mode`) may."""
    return all(alias.name != "*" and _BUILDER.search(alias.name) and not _SETUP.search(alias.name)
               for alias in node.names) and not _SETUP.search(node.module or "")


def _needs_group(code: Code, call: ast.Call) -> str | None:
    """How the call is spelled when it needs the default group."""
    resolved = code.resolved(call.func) or ""
    if resolved.startswith("torch.distributed.") and resolved.rpartition(".")[2] in NEEDS_GROUP \
            and resolved.count(".") == 2:
        return f"{source_of(call.func)}()"
    if resolved in WRAPPERS:
        return f"{source_of(call.func)}(...)"
    if resolved in SAMPLERS and argument(call, 1, "num_replicas") is None and argument(call, 2, "rank") is None \
            and not any(k.arg is None for k in call.keywords):
        return f"{source_of(call.func)}({source_of(call.args[0]) if call.args else '...'}) without num_replicas and rank"
    return None


def _running_functions(code: Code) -> set[ast.AST]:
    """The module-level functions that the script's own top-level code calls, directly or through each
    other (by their plain names)."""
    functions = {f.name: f for f in code.tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if len(functions) != len({f.name for f in code.functions if code.scope_of(f) is code.tree}):
        return set()  # a name defined twice: which one runs is not known
    called_in: dict[ast.AST, set[str]] = {}
    for call in code.calls:
        if isinstance(call.func, ast.Name) and call.func.id in functions:
            scope = code.scope_of(call)
            called_in.setdefault(scope, set()).add(call.func.id)
    running: set[ast.AST] = set()
    todo = list(called_in.get(code.tree, ()))
    while todo:
        function = functions[todo.pop()]
        if function not in running:
            running.add(function)
            todo.extend(called_in.get(function, ()))
    return running
