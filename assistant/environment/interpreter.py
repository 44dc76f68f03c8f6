"""Which Python runs the user's code: theirs, not kb's.

kb may be installed as an isolated tool (pipx, `uv tool`), so its own interpreter usually lacks
the user's packages (torchvision, transformers, their own modules) and may hold another torch.
Every run of code (kb fix, kb ask --run, kb check-corpus, kb doctor) goes through resolve(), in
this order: --python, KB_PYTHON, the active virtualenv, the active conda environment, `python3`
on PATH when it can import torch, and kb's own interpreter last.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.sandbox import SandboxLimits, run_source

_FIND_TORCH = "import importlib.util, sys\nsys.exit(importlib.util.find_spec('torch') is None)\n"
_FIND_LIMITS = SandboxLimits(timeout_s=20.0, cpu_s=20)


class InterpreterError(ValueError):
    """The interpreter named cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Interpreter:
    python: str  # absolute, not resolved: a venv's python is a link whose location selects the venv
    chosen_by: str  # "--python", "KB_PYTHON", "VIRTUAL_ENV", "CONDA_PREFIX", "python3 on PATH", "kb's own"

    @property
    def is_kbs_own(self) -> bool:
        return os.path.abspath(self.python) == os.path.abspath(sys.executable)


def resolve(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Interpreter:
    """The interpreter to run the user's code with (see the module docstring for the order).

    A path that is named (--python, KB_PYTHON) or implied by an active environment must be an
    executable file, else InterpreterError: silently falling back to kb's own would run the code
    somewhere the user did not mean.
    """
    env = os.environ if environ is None else environ
    if explicit:
        return Interpreter(_executable(explicit, "--python"), "--python")
    if env.get("KB_PYTHON"):
        return Interpreter(_executable(env["KB_PYTHON"], "KB_PYTHON"), "KB_PYTHON")
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        if env.get(variable):
            return Interpreter(_environment_python(env[variable], variable), variable)
    on_path = shutil.which("python3", path=env.get("PATH", os.defpath))
    if on_path and _imports_torch(on_path):
        return Interpreter(os.path.abspath(on_path), "python3 on PATH")
    return Interpreter(sys.executable, "kb's own")


def _executable(path: str, named_by: str) -> str:
    found = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise InterpreterError(f"{named_by}: {path} is not an executable Python interpreter")
    return found


def _environment_python(prefix: str, variable: str) -> str:
    for name in ("python", "python3"):
        candidate = os.path.join(prefix, "bin", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    raise InterpreterError(f"{variable} is {prefix}, which has no bin/python: deactivate it or pass --python")


def _imports_torch(python: str) -> bool:
    """Whether torch is importable there. Asked in the sandbox, since starting an interpreter runs its
    site-packages' .pth files; finding the module is enough and skips torch's seconds-long import."""
    try:
        return run_source(_FIND_TORCH, python=python, limits=_FIND_LIMITS).status == "ok"
    except (OSError, ValueError):
        return False
