"""`init_process_group` on the default env:// rendezvous in code that no launcher starts: a notebook
cell, or a worker function that the file itself starts with `torch.multiprocessing.spawn` or a
`Process`. env:// reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT from the environment; torchrun
sets them, a notebook kernel and the file's own child processes do not ("environment variable RANK
expected, but not set", or MASTER_ADDR when rank and world size are passed).

A script is left alone: the same file is correct when torchrun starts it, and the code cannot show
how it is launched. So is code that names any of the four variables (it sets them, or tests for a
launcher), or that gives the rendezvous another `init_method` or a `store`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, has_star_arguments, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to
from assistant.codecheck.detectors._fragments import notebook_cell

name = "env-rendezvous-without-launcher"
INIT = ("torch.distributed.init_process_group",)
SPAWNERS = ("torch.multiprocessing.spawn", "torch.multiprocessing.start_processes",
            "torch.multiprocessing.Process", "multiprocessing.Process")
LAUNCH_VARIABLES = re.compile(r"\b(RANK|WORLD_SIZE|MASTER_ADDR|MASTER_PORT)\b")


@needs_calls("init_process_group")
def check(code: Code) -> Iterator[Hit]:
    if LAUNCH_VARIABLES.search(code.source):
        return
    spawned = _spawned_functions(code)
    in_notebook = notebook_cell(code)
    for call in calls_to(code, *INIT):
        if not _on_env_rendezvous(call):
            continue
        started_by = code.scope_of(call)
        if isinstance(started_by, ast.FunctionDef) and started_by.name in spawned:
            yield Hit.at(code, call, f"{source_of(call)} in {started_by.name}(), which this file starts as a "
                         "process of its own: the default env:// rendezvous reads MASTER_ADDR and MASTER_PORT "
                         "(and RANK, WORLD_SIZE) from the environment, which only a launcher such as torchrun "
                         "sets; set os.environ['MASTER_ADDR'] and ['MASTER_PORT'] before spawning, and pass "
                         "rank= and world_size=")
        elif in_notebook:
            yield Hit.at(code, call, f"{source_of(call)} in a notebook cell: the default env:// rendezvous reads "
                         "RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT from the environment, and no launcher "
                         "set them for the notebook's kernel; set them in os.environ first (a group of one: "
                         "RANK=0, WORLD_SIZE=1, MASTER_ADDR=localhost, a free MASTER_PORT)")


def _on_env_rendezvous(call: ast.Call) -> bool:
    """No other rendezvous is given: no `init_method` but "env://", no `store`."""
    if has_star_arguments(call) or argument(call, 5, "store") is not None:
        return False
    method = argument(call, 1, "init_method")
    return method is None or constant(method) == "env://"


def _spawned_functions(code: Code) -> set[str]:
    """The functions the file starts as processes: `mp.spawn(worker, ...)`, `Process(target=worker)`."""
    started = set()
    for call in calls_to(code, *SPAWNERS):
        target = argument(call, 0, "fn") if code.resolved(call.func).endswith(("spawn", "start_processes")) \
            else argument(call, 1, "target")
        if isinstance(target, ast.Name):
            started.add(target.id)
    return started
