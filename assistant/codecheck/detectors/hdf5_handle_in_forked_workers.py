"""A Dataset that opens an HDF5 file or an LMDB environment in `__init__` (`self.h5 = h5py.File(path)`)
and is read by DataLoader worker processes: forked workers (the Linux default) inherit the one open
handle, and neither library is fork-safe, so reads in several workers at once crash a worker in the
native library (a segfault, "DataLoader worker (pid ...) exited unexpectedly") or return corrupt data.

Only a literal num_workers > 0 counts, and a Dataset class of the file. Left alone: a class that
controls its pickling or reopens the handle (`__getstate__`, a `worker_init_fn`), and code that asks
for the spawn start method (there the handle fails to pickle instead, another entry)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted, keyword, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._loaders import forked_worker_datasets

name = "hdf5-handle-in-forked-workers"
OPENERS = ("h5py.File", "lmdb.open")
OWN_PICKLING = ("__getstate__", "__setstate__", "__reduce__", "__reduce_ex__")


@needs_calls("DataLoader")
def check(code: Code) -> Iterator[Hit]:
    for loader, workers, cls in forked_worker_datasets(code):
        opened = _opened_in_init(code, cls) if keyword(loader, "worker_init_fn") is None else None
        if opened is not None:
            yield Hit.at(code, loader, f"{cls.name}.__init__ opens {source_of(opened.func)}(...) once, and this "
                         f"DataLoader forks {workers} workers that all read through that one inherited handle; "
                         "the library is not fork-safe, so a worker crashes natively ('DataLoader worker exited "
                         "unexpectedly') or reads corrupt data; open the file lazily in __getitem__, once per "
                         "worker (if self.h5 is None: self.h5 = h5py.File(self.path, 'r'))")


def _opened_in_init(code: Code, cls: ast.ClassDef) -> ast.Call | None:
    """The h5py.File / lmdb.open call whose handle `__init__` keeps on self (directly or through a
    name), in a class that does not control its pickling."""
    methods = {m.name: m for m in cls.body if isinstance(m, ast.FunctionDef)}
    init = methods.get("__init__")
    if init is None or any(name in methods for name in OWN_PICKLING):
        return None
    for node in ast.walk(init):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                                                and t.value.id == "self" for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and (code.resolved(value.func) or dotted(value.func)) in OPENERS:
                return value  # resolved through the imports, or spelt so in a fragment that left them out
    return None
