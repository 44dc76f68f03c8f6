"""`init_process_group("nccl")` in a script that puts nothing on a GPU: NCCL is only in Linux CUDA
builds ("Distributed package doesn't have NCCL built in" on Windows, macOS and CPU-only builds), and
where it is built in it cannot reduce the script's CPU tensors either; such a script wants "gloo"."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.codecheck._code import Code, argument, constant, source_of
from assistant.codecheck.detectors import Hit, needs_calls
from assistant.codecheck.detectors._calls import calls_to

name = "nccl-without-cuda"
INIT = ("torch.distributed.init_process_group",)
WORK = ("DistributedDataParallel", "all_reduce", "all_gather", "broadcast", "reduce_scatter", "reduce")
GPU_WORDS = re.compile(r"cuda|device_ids|set_device|LOCAL_RANK")


@needs_calls("init_process_group")
def check(code: Code) -> Iterator[Hit]:
    if GPU_WORDS.search(code.source) or not _shows_the_work(code) or _moves_to_a_device(code):
        return
    for call in calls_to(code, *INIT):
        backend = argument(call, 0, "backend")
        if constant(backend) == "nccl":
            yield Hit.at(code, call, f"{source_of(call.func)}(backend='nccl') in a script that puts nothing on a "
                         "GPU: NCCL is built only into Linux CUDA wheels and reduces only CUDA tensors; use "
                         "'gloo' here ('nccl' if torch.cuda.is_available() else 'gloo')")


def _shows_the_work(code: Code) -> bool:
    """The script builds DDP or calls a collective, so the tensors it reduces are in view."""
    return not code.call_kinds.isdisjoint(WORK) or "DDP" in code.call_kinds


def _moves_to_a_device(code: Code) -> bool:
    """A `.to(x)` other than `.to("cpu")`: `model.to(rank)` puts a model on GPU `rank`."""
    return any(call.args and constant(call.args[0]) != "cpu" for call in code.calls_of("to"))
