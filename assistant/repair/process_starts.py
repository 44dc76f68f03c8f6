"""Whether a program starts other processes: what decides that `kb fix` runs a patched program twice.

A program whose work is split over processes (DataLoader workers, gloo ranks started by
mp.spawn or a launcher, a multiprocessing Pool) can pass once and fail the next time for
reasons that have nothing to do with the patch: torch's gloo teardown aborts a rank now and
then, a worker dies at shutdown. One clean run of such a program is not proof; two are asked
for. A single-process program is as deterministic as its seeds, so one run stays enough (and
`kb fix` stays fast for the common case).

Read from the code, not from the run: the run's own account of what it started would come from
the untrusted process, and this only ever adds a run, so a program that hides how it starts
processes gains nothing by it.
"""

from __future__ import annotations

import ast

# Modules whose import means the program can start processes (torch.distributed: ranks, rendezvous).
_PROCESS_MODULES = ("multiprocessing", "torch.multiprocessing", "subprocess", "torch.distributed",
                    "concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process")
_OS_STARTS = frozenset({"fork", "forkpty", "system", "popen", "posix_spawn", "posix_spawnp", "execv", "execve",
                        "spawnl", "spawnlp", "spawnv", "spawnvp"})


def starts_processes(source: str) -> bool:
    """True when the code imports a module that starts processes, calls one of os's process
    starters, or sets num_workers (a DataLoader's, as a keyword or a settings dict) to anything but 0."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(_starts(node) for node in ast.walk(tree))


def _starts(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(_is_process_module(alias.name) for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return _is_process_module(module) or any(_is_process_module(f"{module}.{alias.name}") for alias in node.names)
    if isinstance(node, ast.Attribute) and node.attr == "ProcessPoolExecutor":  # after `import concurrent.futures`
        return True
    if isinstance(node, ast.Call):
        return _calls_os_starter(node.func) or any(_workers_asked(k.arg, k.value) for k in node.keywords)
    if isinstance(node, ast.Dict):  # loader settings kept in a dict and passed as **settings
        return any(isinstance(key, ast.Constant) and _workers_asked(key.value, value)
                   for key, value in zip(node.keys, node.values))
    return False


def _is_process_module(name: str) -> bool:
    return any(name == module or name.startswith(module + ".") for module in _PROCESS_MODULES)


def _calls_os_starter(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr in _OS_STARTS
            and isinstance(func.value, ast.Name) and func.value.id == "os")


def _workers_asked(name: object, value: ast.expr) -> bool:
    """num_workers set to anything but the constant 0 (a variable, a config value, a positive number)."""
    return name == "num_workers" and not (isinstance(value, ast.Constant) and value.value == 0)
