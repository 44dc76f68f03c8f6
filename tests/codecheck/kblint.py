"""Running `kb lint` as users, editors and pre-commit do: a new process through the real entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BROKEN = """\
import torch.nn.functional as F


def predict(logits):
    return F.softmax(logits)
"""
CLEAN = """\
import torch.nn.functional as F


def predict(logits):
    return F.softmax(logits, dim=-1)
"""


def kb_lint(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", "lint", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)
