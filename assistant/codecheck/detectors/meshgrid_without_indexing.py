"""`torch.meshgrid(a, b)` without `indexing=`: torch warns that the argument will be required, and
the default ("ij") differs from NumPy's ("xy")."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._calls import calls_to, has_keyword

name = "meshgrid-without-indexing"


def check(code: Code) -> Iterator[Hit]:
    for call in calls_to(code, "torch.meshgrid", "torch.functional.meshgrid"):
        if not has_keyword(call, "indexing"):
            yield Hit.at(code, call, "torch.meshgrid() without indexing= warns, and its default 'ij' is not NumPy's "
                         "'xy': pass indexing='ij' (or 'xy' for image coordinates)")
