"""What a loop over a DataLoader yields: the Dataset the loader was built on, and which part of the
sample each loop variable receives (`for xb, yb in DataLoader(TensorDataset(X, Y))`: xb is from X)."""

from __future__ import annotations

import ast

from assistant.codecheck._code import Code, argument, constant, keyword

LOADERS = ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader")
TENSOR_DATASETS = ("torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset")


def built(code: Code, value: ast.expr | None) -> ast.expr | None:
    """A name's value where the code shows it (bound once, in straight-line code), else the value."""
    if isinstance(value, ast.Name) and (bound := code.reaching_value(value)) is not None:
        return bound
    return value


def loader_call(code: Code, value: ast.expr | None) -> ast.Call | None:
    """The `DataLoader(...)` construction that `value` (a name or the call itself) is."""
    value = built(code, value)
    return value if isinstance(value, ast.Call) and is_call_of(code, value, LOADERS) else None


def is_call_of(code: Code, call: ast.Call, names: tuple[str, ...]) -> bool:
    """A call of one of these (full names), also spelt bare in a fragment that left its imports out."""
    if code.resolved(call.func) in names:
        return True
    return isinstance(call.func, ast.Name) and call.func.id not in code.imported \
        and call.func.id in {n.rpartition(".")[2] for n in names} \
        and call.func.id not in {d.name for d in [*code.classes, *code.functions]}


def loader_dataset(code: Code, loader: ast.Call) -> ast.expr | None:
    """The dataset expression a DataLoader was given, followed through a name."""
    return built(code, argument(loader, 0, "dataset"))


def batch_targets(loop: ast.For | ast.comprehension) -> tuple[ast.expr, ast.expr] | None:
    """(the unpacking target, the loader expression) of `for x, y in loader` or of
    `for i, (x, y) in enumerate(loader)`."""
    target, iterated = loop.target, loop.iter
    if isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Name) and iterated.func.id == "enumerate" \
            and iterated.args and isinstance(target, ast.Tuple) and len(target.elts) == 2:
        return target.elts[1], iterated.args[0]
    return target, iterated


def tensor_dataset_part(code: Code, name: ast.Name) -> ast.expr | None:
    """The tensor of a TensorDataset that the loop variable `name` takes its batches from."""
    for loop in code.ancestors(name):
        if not isinstance(loop, (ast.For, ast.comprehension)) or (found := batch_targets(loop)) is None:
            continue
        target, iterated = found
        if not isinstance(target, ast.Tuple):
            continue
        position = next((i for i, t in enumerate(target.elts) if isinstance(t, ast.Name) and t.id == name.id), None)
        loader = loader_call(code, iterated)
        dataset = loader_dataset(code, loader) if loader is not None else None
        if position is None or not (isinstance(dataset, ast.Call) and is_call_of(code, dataset, TENSOR_DATASETS)):
            return None
        tensors = dataset.args
        if any(isinstance(t, ast.Starred) for t in tensors) or len(tensors) != len(target.elts):
            return None
        return tensors[position]
    return None


def forked_worker_datasets(code: Code) -> list[tuple[ast.Call, int, ast.ClassDef]]:
    """(the DataLoader, its literal num_workers > 0, the Dataset class of the file it serves) for each
    loader whose workers are forked: none where the code asks for the spawn or forkserver start method."""
    if "spawn" in code.source or "forkserver" in code.source:
        return []
    classes = {c.name: c for c in code.classes}
    found = []
    for loader in (c for c in code.calls_of("DataLoader") if is_call_of(code, c, LOADERS)):
        workers = constant(keyword(loader, "num_workers"))
        dataset = loader_dataset(code, loader)
        if isinstance(workers, int) and not isinstance(workers, bool) and workers > 0 and isinstance(
                dataset, ast.Call) and isinstance(dataset.func, ast.Name) and dataset.func.id in classes:
            found.append((loader, workers, classes[dataset.func.id]))
    return found
