"""A torchvision model builder called with `pretrained=`: deprecated since torchvision 0.13 for
`weights=` (the argument is gone from newer releases' signatures, and warns where it remains)."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.codecheck._code import Code
from assistant.codecheck.detectors import Hit

name = "torchvision-pretrained"


def check(code: Code) -> Iterator[Hit]:
    if "pretrained" not in code.source:
        return
    for call in code.calls:
        builder = code.resolved(call.func) or ""
        if builder.startswith("torchvision.models.") and any(k.arg == "pretrained" for k in call.keywords):
            yield Hit.at(code, call, f"{builder}(pretrained=...) is deprecated since torchvision 0.13: pass "
                         f"weights=... (for example weights=\"DEFAULT\") instead")
