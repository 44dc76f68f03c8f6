"""Which interpreter runs the user's code: --python, KB_PYTHON, the active environment, python3 with torch, kb's own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant.environment.interpreter import InterpreterError, resolve


def test_the_option_wins_over_every_variable(torch_env: Path, bare_env: Path) -> None:
    env = {"KB_PYTHON": str(bare_env), "VIRTUAL_ENV": str(bare_env.parents[1]), "PATH": str(bare_env.parent)}
    chosen = resolve(str(torch_env), env)
    assert (chosen.python, chosen.chosen_by) == (str(torch_env), "--python")


def test_kb_python_wins_over_the_active_environment(torch_env: Path, bare_env: Path) -> None:
    chosen = resolve(None, {"KB_PYTHON": str(torch_env), "VIRTUAL_ENV": str(bare_env.parents[1])})
    assert (chosen.python, chosen.chosen_by) == (str(torch_env), "KB_PYTHON")


def test_an_active_virtualenv_comes_before_conda(torch_env: Path, bare_env: Path) -> None:
    chosen = resolve(None, {"VIRTUAL_ENV": str(torch_env.parents[1]), "CONDA_PREFIX": str(bare_env.parents[1])})
    assert (chosen.python, chosen.chosen_by) == (str(torch_env), "VIRTUAL_ENV")
    conda = resolve(None, {"CONDA_PREFIX": str(bare_env.parents[1])})
    assert (conda.python, conda.chosen_by) == (str(bare_env), "CONDA_PREFIX")


def test_python3_on_path_only_when_it_can_import_torch(torch_env: Path, bare_env: Path) -> None:
    with_torch = resolve(None, {"PATH": str(torch_env.parent)})
    assert (with_torch.python, with_torch.chosen_by) == (str(torch_env.parent / "python3"), "python3 on PATH")
    without = resolve(None, {"PATH": str(bare_env.parent)})
    assert (without.python, without.chosen_by, without.is_kbs_own) == (sys.executable, "kb's own", True)


@pytest.mark.parametrize("named", ["/nonexistent/python", "/etc/passwd"])
def test_a_named_path_that_is_no_interpreter_is_refused(named: str) -> None:
    with pytest.raises(InterpreterError, match="is not an executable Python interpreter"):
        resolve(named, {})
    with pytest.raises(InterpreterError, match="^KB_PYTHON: "):
        resolve(None, {"KB_PYTHON": named})


def test_an_active_environment_without_python_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="VIRTUAL_ENV is .* no bin/python"):
        resolve(None, {"VIRTUAL_ENV": str(tmp_path)})
