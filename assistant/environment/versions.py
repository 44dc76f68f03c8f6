"""Release numbers of torch and its companion libraries, and which releases belong together.

torchvision and torchaudio are built against one torch release; a pair from different release
lines fails at import (torchvision's `operator torchvision::nms does not exist`). The pairing
rules below are the libraries' published ones, written as arithmetic so that releases newer than
this file are covered too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RELEASE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?[^+]*(?:\+(.+))?$")
# torch releases whose wheels were built against NumPy 1.x, and so fail to load NumPy 2's ABI
FIRST_TORCH_BUILT_FOR_NUMPY2 = (2, 3)


@dataclass(frozen=True)
class Release:
    major: int
    minor: int
    patch: int = 0
    local: str = ""  # the build variant after "+": "cpu", "cu126", "rocm6.2"; "" for PyPI's default

    @property
    def line(self) -> tuple[int, int]:
        return self.major, self.minor

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}" + (f"+{self.local}" if self.local else "")


def parse(version: str | None) -> Release | None:
    """'2.13.0+cpu' -> Release(2, 13, 0, 'cpu'); None for None or a string that is no release number."""
    found = _RELEASE.match(version.strip()) if version else None
    if found is None:
        return None
    major, minor, patch, local = found.groups()
    return Release(int(major), int(minor), int(patch or 0), local or "")


def torchvision_line(torch: Release) -> tuple[int, int]:
    """The torchvision release line built for this torch: 2.N pairs with 0.(N+15), 1.N with 0.(N+1)."""
    return (0, torch.minor + 15) if torch.major == 2 else (0, torch.minor + 1)


def torchaudio_line(torch: Release) -> tuple[int, int]:
    """The torchaudio release line built for this torch: 2.N pairs with 2.N, 1.N with 0.N."""
    return (2, torch.minor) if torch.major == 2 else (0, torch.minor)


def index_url(torch: Release) -> str | None:
    """The PyTorch wheel index that serves this torch's build variant; None for PyPI's default build."""
    return f"https://download.pytorch.org/whl/{torch.local}" if torch.local else None


def built_for_numpy1(torch: Release) -> bool:
    return torch.line < FIRST_TORCH_BUILT_FOR_NUMPY2


_BOUND = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+){0,2})\s*$")
_COMPARE = {">=": tuple.__ge__, "<=": tuple.__le__, "==": tuple.__eq__, "!=": tuple.__ne__, ">": tuple.__gt__,
            "<": tuple.__lt__}


def within(release: Release, bounds: str) -> bool:
    """Whether the release satisfies every comma-separated bound (">=2.4", ">=2.0,<2.6"), compared to the
    precision each bound gives (2.13.1 is "<=2.13"); the build variant is ignored. Raises ValueError for
    a bound that is not an operator and a release number."""
    number = (release.major, release.minor, release.patch)
    return all(_COMPARE[operator](number[:len(wanted)], wanted) for operator, wanted in _bounds(bounds))


def _bounds(text: str) -> list[tuple[str, tuple[int, ...]]]:
    parsed = []
    for bound in text.split(","):
        found = _BOUND.match(bound)
        if found is None:
            raise ValueError(f"not a version bound: {bound.strip()!r} (write e.g. '>=2.4' or '>=2.0,<2.6')")
        parsed.append((found.group(1), tuple(int(part) for part in found.group(2).split("."))))
    return parsed
