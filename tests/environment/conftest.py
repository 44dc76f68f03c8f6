"""Real environments, built once per test session under /tmp, for the interpreter that runs the user's code.

- torch_env: a venv that sees kb's torch (through a .pth file, no copy) and holds a package kb's
  own environment lacks (envfixture_pkg);
- vision_env: the same, plus the real torchvision 0.29.1 wheel installed without its dependencies:
  it is built for torch 2.14, so beside kb's torch 2.13 it fails to load with the real error;
- bare_env: a venv with no torch at all.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

FIXTURE_PACKAGE = "envfixture_pkg"
MISMATCHED_TORCHVISION = "torchvision==0.29.1"


def purelib(python: Path | str) -> Path:
    return Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())


def make_venv(root: Path, *, sees_kbs_torch: bool) -> Path:
    """A venv without pip (kb's pip installs into it with --python); returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    if sees_kbs_torch:
        (purelib(python) / "kb-site-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip_install(python: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-input", *args],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def torch_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = make_venv(tmp_path_factory.mktemp("torch-env") / "venv", sees_kbs_torch=True)
    package = purelib(python) / FIXTURE_PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("NUM_FEATURES = 256\n")
    return python


@pytest.fixture(scope="session")
def vision_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = make_venv(tmp_path_factory.mktemp("vision-env") / "venv", sees_kbs_torch=True)
    installed = pip_install(python, "--no-deps", MISMATCHED_TORCHVISION)
    assert installed.returncode == 0, installed.stderr
    return python


@pytest.fixture(scope="session")
def bare_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("bare-env") / "venv", sees_kbs_torch=False)
