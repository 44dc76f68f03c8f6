"""Facts about the machine that the sandbox hides from the code it runs, read here without running any.

The sandbox gives each run its own small /dev/shm and no device nodes but the harmless ones, so
the user's real /dev/shm size, the GPUs and the NVIDIA driver are looked up from kb's side.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from typing import Any

_NVIDIA_VERSION = "/proc/driver/nvidia/version"
_GPU_NODES = ("/dev/nvidia[0-9]*", "/dev/kfd", "/dev/dxg")  # NVIDIA, ROCm, WSL's GPU


@dataclass(frozen=True)
class HostFacts:
    shm_bytes: int | None  # the size of /dev/shm; None where there is none
    driver: str | None  # the NVIDIA kernel driver's version, where one is loaded
    gpu_nodes: tuple[str, ...]  # GPU device files present

    def to_json(self) -> dict[str, Any]:
        return {"shm_bytes": self.shm_bytes, "nvidia_driver": self.driver, "gpu_nodes": list(self.gpu_nodes)}


def read_host() -> HostFacts:
    return HostFacts(_shm_bytes(), _nvidia_driver(), tuple(sorted(p for g in _GPU_NODES for p in glob.glob(g))))


def _shm_bytes() -> int | None:
    try:
        usage = os.statvfs("/dev/shm")
    except OSError:
        return None
    return usage.f_frsize * usage.f_blocks


def _nvidia_driver() -> str | None:
    try:
        with open(_NVIDIA_VERSION, encoding="utf-8", errors="replace") as handle:
            text = handle.read(4096)
    except OSError:
        return None
    found = re.search(r"Kernel Module\s+(?:for \S+\s+)?(\d+(?:\.\d+)+)", text)
    return found.group(1) if found else None
