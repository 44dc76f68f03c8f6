"""The CLI runs the user's code with their interpreter: kb fix, ask --run, check-corpus, doctor, ask."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.interface.cli import app

from tests.test_input import fake_model  # noqa: F401 (an autouse fixture: the hashed embedder, a private KB_HOME)
from tests.test_server import index  # noqa: F401 (the fixture: the shipped corpus, fake-embedded)

runner = CliRunner()
# BatchNorm1d on [batch, seq, features]: a fix kb proves; the layer size comes from a package only the test env has
USES_THE_PACKAGE = """\
import torch
import envfixture_pkg

bn = torch.nn.BatchNorm1d(envfixture_pkg.NUM_FEATURES)
y = bn(torch.randn(8, 50, envfixture_pkg.NUM_FEATURES))
"""


@pytest.fixture(autouse=True)
def no_active_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("KB_PYTHON", "VIRTUAL_ENV", "CONDA_PREFIX"):
        monkeypatch.delenv(variable, raising=False)


def kb(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def fix_json(index: Path, script: Path, *args: str) -> tuple[int, dict]:
    code, out, _ = kb("fix", str(script), "--verify", "--json", "--index", str(index), *args)
    return code, json.loads(out)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "train.py"
    path.write_text(USES_THE_PACKAGE)
    return path


def test_fix_verifies_in_the_active_virtualenv(index: Path, script: Path, torch_env: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", str(torch_env.parents[1]))
    code, report = fix_json(index, script)
    assert (code, report["verdict"], report["entry"]) == (0, "verified", "batchnorm1d-channels-last")
    assert report["interpreter"]["python"] == str(torch_env)


def test_fix_verifies_with_python_named(index: Path, script: Path, torch_env: Path) -> None:
    code, report = fix_json(index, script, "--python", str(torch_env))
    assert (code, report["verdict"]) == (0, "verified")
    assert report["interpreter"] == {"python": str(torch_env), "version": sys.version.split()[0],
                                     "torch": report["interpreter"]["torch"]}
    assert report["interpreter"]["torch"] is not None


def test_a_package_the_interpreter_lacks_is_one_line_not_an_entry(index: Path, script: Path) -> None:
    code, report = fix_json(index, script, "--python", sys.executable)
    assert (code, report["verdict"], report["entry"], report["error"]) == (1, "cannot-run", None, None)
    assert report["note"] == (f"train.py imports envfixture_pkg, which {sys.executable} cannot import: "
                              "install it there, or pass --python")
    code, out, _ = kb("fix", str(script), "--verify", "--index", str(index), "--python", sys.executable)
    assert f"ran with: {sys.executable} (Python {sys.version.split()[0]}, torch " in out
    assert "Cannot run it: train.py imports envfixture_pkg" in out and "entry:" not in out


def test_ask_run_says_which_package_is_missing(index: Path, torch_env: Path) -> None:
    code, out, err = kb("ask", "--run", "--index", str(index), USES_THE_PACKAGE)
    assert code == 2 and out == ""
    assert err.strip().endswith(f"the code imports envfixture_pkg, which {sys.executable} cannot import: "
                                "install it there, or pass --python")
    code, out, _ = kb("ask", "--run", "--json", "--index", str(index), "--python", str(torch_env), USES_THE_PACKAGE)
    answer = json.loads(out)
    assert answer["results"][0]["id"] == "batchnorm1d-channels-last"
    assert answer["interpreter"]["python"] == str(torch_env) and answer["interpreter"]["torch"] is not None


def test_ask_about_an_environment_error_shows_the_doctors_findings(index: Path, vision_env: Path) -> None:
    code, out, _ = kb("ask", "--index", str(index), "--python", str(vision_env),
                      "RuntimeError: operator torchvision::nms does not exist")
    assert code == 0 and "torchvision-version-mismatch" in out
    assert f"In {vision_env} (kb doctor):" in out
    assert "torchvision 0.29.1 does not load beside torch" in out and "explains your error" in out
    assert f"fix: {vision_env} -m pip install 'torchvision==" in out


def test_doctor_exit_codes_follow_the_problems(vision_env: Path) -> None:
    code, out, _ = kb("doctor", "--json", "--python", str(vision_env))
    assert code == 1 and json.loads(out)["problems"] == 1
    code, out, _ = kb("doctor", "--python", str(vision_env))
    assert code == 1 and "torchvision: 0.29.1 (fails: operator torchvision::nms does not exist)" in out
    assert "1 problem(s) found" in out
    code, out, _ = kb("doctor", "--python", sys.executable)
    assert code == 0 and "No problems found" in out and "cuda: not available" in out


def test_a_bad_interpreter_is_one_line_and_exit_code_2(monkeypatch: pytest.MonkeyPatch, script: Path) -> None:
    code, out, err = kb("doctor", "--python", "/nonexistent/python")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "/nonexistent/python is not an executable" in err
    monkeypatch.setenv("KB_PYTHON", "/etc/passwd")
    code, out, err = kb("fix", str(script), "--verify")
    assert (code, out) == (2, "") and "KB_PYTHON: /etc/passwd is not an executable" in err


def test_check_corpus_says_which_interpreter_and_torch_it_proved(torch_env: Path) -> None:
    code, out, _ = kb("check-corpus", "torch-not-installed-in-env", "--json", "--python", str(torch_env))
    data = json.loads(out)
    assert code == 0 and [entry["status"] for entry in data["entries"]] == ["ok"]
    assert data["interpreter"]["python"] == str(torch_env) and data["interpreter"]["torch"] is not None
