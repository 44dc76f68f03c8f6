"""An import of a private torch helper that current torch no longer has (`from torch._utils import
_accumulate`): "cannot import name '_accumulate' from 'torch._utils'". Private names are renamed and
deleted without deprecation; only names known to be gone are reported, not every private import."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._drift import removed_rows
from assistant.codecheck.detectors._imports import import_has_fallback

name = "private-torch-import"
# Private helpers that old code imported and current torch does not define (checked against torch 2.x);
# the api_drift table's private rows are added to these.
GONE = {
    "torch.utils.data.dataloader": ("DataLoaderIter", "_use_shared_memory", "numpy_type_map", "_worker_loop",
                                    "_set_SIGCHLD_handler", "_remove_worker_pids", "string_classes", "int_classes",
                                    "pin_memory_batch", "_pin_memory_loop", "_worker_manager_loop"),
    "torch.onnx.symbolic_helper": ("_export_onnx_opset_version",),
    "torch.utils.model_zoo": ("_download_url_to_file",),
    "torch.hub": ("_download_url_to_file",),
    "torch.utils.checkpoint": ("_checkpoint_without_reentrant",),
}


def check(code: Code) -> Iterator[Hit]:
    if "from torch." not in code.source:
        return
    gone = _gone()
    for node in code.nodes_of(ast.ImportFrom):
        if node.level == 0 and (node.module or "").startswith("torch.") \
                and not import_has_fallback(code, node):
            for alias in node.names:
                if (node.module, alias.name) in gone:
                    yield Hit.at(code, node, f"cannot import name {alias.name} from {node.module}: a private torch "
                                 "helper that current releases removed; use a public equivalent or keep a copy "
                                 "of it in your code", {"name": alias.name})


@cache
def _gone() -> frozenset[tuple[str, str]]:
    private_rows = {tuple(row.symbol.rsplit(".", 1)) for row in removed_rows()
                    if "._" in row.symbol and row.keyword is None and not row.symbol.startswith("torch._six")}
    listed = {(module, gone) for module, names in GONE.items() for gone in names}
    return frozenset(listed | private_rows)
