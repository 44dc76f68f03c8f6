"""`DDP(model, device_ids=[local_rank])` where the model was moved with a bare `.cuda()` (or `.to("cuda")`)
and the code never selects the process's GPU (`torch.cuda.set_device(local_rank)`): every process puts
its model on cuda:0, so on every rank but 0 the module's device is not device_ids[0] ("DistributedDataParallel
device_ids and output_device arguments only work with single-device/multiple-device GPU modules or CPU
modules, but got device_ids [1], output_device 1, and module parameters {device(type='cuda', index=0)}").

Only a device_ids entry that is a variable counts (a rank); `device_ids=[0]` on cuda:0 is right. Code that
names CUDA_VISIBLE_DEVICES (one GPU per process, always cuda:0) is left alone."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword, source_of
from assistant.codecheck.detectors import Hit, precondition

name = "ddp-model-on-default-gpu"
WRAPPERS = ("torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.distributed.DistributedDataParallel")
FRAGMENT_NAMES = ("DDP", "DistributedDataParallel")  # a fragment that left its imports out


@precondition(lambda code: "device_ids" in code.source and "set_device" not in code.source
              and "CUDA_VISIBLE_DEVICES" not in code.source)
def check(code: Code) -> Iterator[Hit]:
    for call in code.calls_of(*FRAGMENT_NAMES):
        if not _is_ddp(code, call) or not call.args or not isinstance(call.args[0], ast.Name):
            continue
        ids = keyword(call, "device_ids")
        if not (isinstance(ids, (ast.List, ast.Tuple)) and len(ids.elts) == 1 and isinstance(ids.elts[0], ast.Name)):
            continue
        moved = code.reaching_value(call.args[0])
        if moved is not None and _to_default_gpu(moved):
            rank = ids.elts[0].id
            yield Hit.at(code, call, f"{call.args[0].id} was moved with {source_of(moved.func)}() to the current "  # type: ignore[attr-defined]
                         f"GPU, which is cuda:0 in every process (nothing calls torch.cuda.set_device({rank})), "
                         f"but DDP is told it is on device_ids=[{rank}]: on every rank but 0 they disagree; call "
                         f"torch.cuda.set_device({rank}) first, or move it with .to({rank})")


def _is_ddp(code: Code, call: ast.Call) -> bool:
    resolved = code.resolved(call.func)
    if resolved is not None:
        return resolved in WRAPPERS
    return isinstance(call.func, ast.Name) and call.func.id not in {c.name for c in code.classes}


def _to_default_gpu(value: ast.expr) -> bool:
    """`.cuda()` with no device, or `.to("cuda")`: the current device, cuda:0 unless set."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    if value.func.attr == "cuda":
        return not value.args and not value.keywords
    return value.func.attr == "to" and len(value.args) == 1 and constant(value.args[0]) == "cuda"
