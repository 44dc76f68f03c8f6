"""Installing kb into an environment that has its own torch leaves that torch alone; kb's own
environment (the README's commands, CI) still pins the local CPU wheel through constraints.txt."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.environment.conftest import make_venv, pip_install, purelib

ROOT = Path(__file__).resolve().parents[2]
USERS_TORCH = "2.9.1"  # not the release constraints.txt pins, so a pin in the package would show


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `pip install .` reads, copied: building in the shared checkout would write build/ there."""
    target = tmp_path_factory.mktemp("kb-source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    for name in ("kb", "assistant", "corpus"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def users_env(tmp_path: Path) -> Path:
    """A user's environment: every kb dependency present (kb's, through a .pth file), and torch USERS_TORCH.

    pip decides what to install from the installed distributions' metadata, so the user's torch is
    its metadata; installing a second real torch would cost a multi-GB download for the same check.
    """
    python = make_venv(tmp_path / "venv", sees_kbs_torch=True)
    info = purelib(python) / f"torch-{USERS_TORCH}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {USERS_TORCH}\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "RECORD").write_text(f"torch-{USERS_TORCH}.dist-info/METADATA,,\n")
    return python


def torch_version_in(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('torch'))"],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_installing_kb_keeps_the_users_torch(users_env: Path, project_copy: Path) -> None:
    installed = pip_install(users_env, "--no-index", "--no-build-isolation", str(project_copy))
    assert installed.returncode == 0, installed.stderr
    done = [line for line in installed.stdout.splitlines() if line.startswith("Successfully installed")]
    assert done == ["Successfully installed kb-torch-assistant-0.1.0"], installed.stdout[-2000:]
    assert "Uninstalling torch" not in installed.stdout
    assert torch_version_in(users_env) == USERS_TORCH


def test_a_pinned_torch_would_have_replaced_it(users_env: Path, project_copy: Path, tmp_path: Path) -> None:
    """The check above can fail: the same environment with the old `torch==2.13.0` requirement."""
    pinned = tmp_path / "pinned"
    shutil.copytree(project_copy, pinned)
    config = (pinned / "pyproject.toml").read_text()
    (pinned / "pyproject.toml").write_text(re.sub(r'"torch[^"]*"', '"torch==2.13.0"', config, count=1))
    planned = pip_install(users_env, "--dry-run", "--no-index", "--no-build-isolation", str(pinned))
    assert planned.returncode == 0, planned.stderr
    assert re.search(r"^Would install .*\btorch-2\.13\.0", planned.stdout, re.M), planned.stdout[-2000:]


def test_kbs_own_install_pins_the_cpu_wheel_within_the_range() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    [torch_range] = [Requirement(d) for d in dependencies if Requirement(d).name == "torch"]
    pins = [Requirement(line) for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    [pin] = [p for p in pins if p.name == "torch"]
    [pinned] = [spec.version for spec in pin.specifier if spec.operator == "=="]
    assert len(torch_range.specifier) > 0 and all(spec.operator != "==" for spec in torch_range.specifier)
    assert torch_range.specifier.contains(pinned)


def test_the_readme_commands_use_the_constraints_and_ci_runs_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", section, re.S)
    assert len(commands) == 2 and all("-c constraints.txt" in command for command in commands)
    assert (ROOT / ".ci" / "run").read_text().rstrip().splitlines()[-1] == commands[1]
