"""The code runs under the interpreter the caller names (the user's own venv), confined the same way."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from assistant.sandbox import WarmSandbox, run_source

PROBE = "import sandbox_probe_pkg\nprint(sandbox_probe_pkg.WHERE)\n"


@pytest.fixture(scope="module")
def other_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain venv (no torch) holding a tiny package kb's own venv lacks; returns its python."""
    root = tmp_path_factory.mktemp("other-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    package = Path(purelib) / "sandbox_probe_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("WHERE = 'the other venv'\n")
    return python


@pytest.fixture(scope="module")
def other_warm(other_venv: Path) -> Iterator[WarmSandbox]:
    with WarmSandbox(python=str(other_venv)) as sandbox:
        yield sandbox


def test_code_imports_the_other_interpreters_packages(other_venv: Path) -> None:
    result = run_source(PROBE, python=str(other_venv))
    assert result.status == "ok", result.stderr
    assert result.stdout == "the other venv\n"
    assert result.interpreter == {"python": str(other_venv), "version": sys.version.split()[0], "torch": None}


def test_the_default_interpreter_lacks_the_package() -> None:
    assert not (Path(sysconfig.get_paths()["purelib"]) / "sandbox_probe_pkg").exists()
    result = run_source(PROBE)
    assert result.status == "error"
    assert result.error is not None and result.error.type == "ModuleNotFoundError"
    assert result.interpreter["python"] == sys.executable


def test_torch_is_reported_as_the_run_saw_it() -> None:
    result = run_source("import torch\n")
    assert result.status == "ok", result.stderr
    assert result.interpreter["torch"] == torch.__version__


def test_a_warm_worker_runs_its_own_interpreter(other_venv: Path, other_warm: WarmSandbox) -> None:
    result = other_warm.run_source(PROBE + "import sys\nprint('torch' in sys.modules)\n")
    assert result.status == "ok", result.stderr
    assert result.stdout == "the other venv\nFalse\n"
    assert result.interpreter["python"] == str(other_venv)


def test_protections_hold_under_the_other_interpreter(other_venv: Path) -> None:
    """Its prefix is readable; nothing outside the run's directory is writable, the venv included."""
    target = other_venv.parent.parent / "written-by-the-code"
    source = (f"import os\nprint(os.listdir({str(other_venv.parent)!r}))\n"
              f"open({str(target)!r}, 'w').write('escaped')\n")
    result = run_source(source, python=str(other_venv))
    assert "python" in result.stdout
    assert "landlock" in result.isolation
    assert result.status == "error"
    assert result.error is not None and result.error.type in ("PermissionError", "OSError")
    assert not target.exists()


@pytest.mark.parametrize("python", ["/nonexistent/python", "/etc/passwd"])
def test_a_path_that_is_no_interpreter_is_refused(python: str) -> None:
    with pytest.raises(ValueError, match="python must be"):
        run_source("pass", python=python)
