"""`DataLoader(shuffle=True, sampler=...)`: "sampler option is mutually exclusive with shuffle"; the
sampler decides the order (DistributedSampler shuffles itself)."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code, constant, keyword
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to

name = "shuffle-with-sampler"


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"):
        sampler = next((s for s in ("sampler", "batch_sampler")
                        if keyword(call, s) is not None and constant(keyword(call, s)) is not None), None)
        if sampler and constant(keyword(call, "shuffle")) is True:
            yield Hit.at(code, call, f"DataLoader(shuffle=True, {sampler}=...): the two are mutually exclusive; "
                         "drop shuffle (give the sampler shuffle=True, as DistributedSampler takes)")
