"""`torch.cuda.amp.autocast(...)` / `torch.cuda.amp.GradScaler(...)`: deprecated (FutureWarning)
for `torch.amp.autocast("cuda", ...)` and `torch.amp.GradScaler("cuda", ...)`."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to

name = "cuda-amp-namespace"
DEPRECATED = ("torch.cuda.amp.autocast", "torch.cuda.amp.GradScaler", "torch.cpu.amp.autocast")


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, *DEPRECATED):
        old = code.resolved(call.func) or ""
        device = old.split(".")[1]
        yield Hit.at(code, call, f"{old}(...) is deprecated (FutureWarning): use "
                     f"torch.amp.{old.rpartition('.')[2]}({device!r}, ...)")
