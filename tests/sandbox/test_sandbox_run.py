"""Ordinary scripts: the sandbox must report what `python script.py` would have shown."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from assistant.sandbox import SandboxLimits, run_file, run_source


def test_clean_script_is_ok_and_output_is_captured() -> None:
    result = run_source("import sys\nprint('hello')\nprint('oops', file=sys.stderr)\n")
    assert result.status == "ok"
    assert result.error is None
    assert result.stdout == "hello\n"
    assert result.stderr == "oops\n"
    assert result.detail == ""
    assert {"clean-env", "rlimits"} <= set(result.isolation)


def test_raised_error_has_type_message_and_line() -> None:
    result = run_source("x = 1\n\nraise RuntimeError('x')\n")
    assert result.status == "error"
    assert result.error is not None
    assert (result.error.type, result.error.message, result.error.line) == ("RuntimeError", "x", 3)
    assert 'File "script.py", line 3' in result.error.traceback
    assert "bootstrap.py" not in result.error.traceback
    assert "RuntimeError: x" in result.stderr


def test_line_is_the_last_frame_in_the_script() -> None:
    source = "def inner():\n    return {}['missing']\n\ninner()\n"
    result = run_source(source)
    assert result.error is not None
    assert (result.error.type, result.error.line) == ("KeyError", 2)


def test_warnings_are_recorded_every_time() -> None:
    source = "import warnings\nfor _ in range(2):\n    warnings.warn('careful', DeprecationWarning)\n"
    result = run_source(source)
    assert result.status == "ok"
    assert result.warnings == (("DeprecationWarning", "careful"), ("DeprecationWarning", "careful"))


def test_real_torch_error_is_reported() -> None:
    result = run_source("import torch\ntorch.zeros(2) @ torch.zeros(3)\n")
    assert result.status == "error"
    assert result.error is not None
    assert result.error.type == "RuntimeError"
    assert "inconsistent tensor size" in result.error.message
    assert result.error.line == 2


def test_syntax_error_in_the_script() -> None:
    result = run_source("print('fine')\ndef broken(:\n    pass\n")
    assert result.status == "error"
    assert result.error is not None
    assert result.error.type == "SyntaxError"
    assert result.error.line == 2
    assert result.stdout == ""  # nothing ran


@pytest.mark.parametrize(("code", "status"), [("0", "ok"), ("None", "ok"), ("3", "error"), ("'bad input'", "error")])
def test_system_exit(code: str, status: str) -> None:
    result = run_source(f"import sys\nsys.exit({code})\n")
    assert result.status == status
    if status == "error":
        assert result.error is not None and result.error.type == "SystemExit"


def test_os_exit_without_report_is_still_classified() -> None:
    assert run_source("import os\nos._exit(0)\n").status == "ok"
    failed = run_source("import os\nos._exit(4)\n")
    assert failed.status == "error"
    assert failed.error is not None and failed.error.message == "4"


def test_main_guard_stdin_and_clean_workdir() -> None:
    source = textwrap.dedent("""
        import os, sys
        if __name__ == "__main__":
            print(sys.stdin.read().upper(), os.getcwd(), os.environ["HOME"] == os.getcwd())
            open("scratch.txt", "w").write("allowed here")
    """)
    result = run_source(source, stdin="ping")
    assert result.status == "ok", result.stderr
    shout, workdir, home_inside = result.stdout.split()
    assert (shout, home_inside) == ("PING", "True")
    assert not Path(workdir).exists()  # deleted afterwards


def test_run_file_names_the_users_file(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nraise ValueError(name)\n", encoding="latin-1")
    result = run_file(script)
    assert result.error is not None
    assert (result.error.type, result.error.message, result.error.line) == ("ValueError", "caf\xe9", 3)
    assert 'File "train.py", line 3' in result.error.traceback


def test_multiprocessing_works_inside() -> None:
    source = textwrap.dedent("""
        import multiprocessing as mp
        def square(x):
            return x * x
        if __name__ == "__main__":
            with mp.get_context("fork").Pool(2) as pool:
                print(pool.map(square, range(4)))
    """)
    result = run_source(source)
    if result.status != "ok" and "landlock" in result.isolation and "private-shm" not in result.isolation:
        pytest.skip("no private /dev/shm here, so Landlock leaves multiprocessing no place for its locks")
    assert result.status == "ok", result.stderr
    assert result.stdout == "[0, 1, 4, 9]\n"


@pytest.mark.parametrize("name", ["", "..", "a/b.py", "/etc/passwd"])
def test_filename_must_be_plain(name: str) -> None:
    with pytest.raises(ValueError):
        run_source("pass", filename=name)


def test_small_output_overflow_is_truncated_not_killed() -> None:
    result = run_source("print('y' * 5000)", limits=SandboxLimits(max_output_bytes=1000))
    assert result.status == "ok"
    assert result.stdout.startswith("y" * 1000)
    assert "[sandbox: output truncated, 4001 more bytes dropped]" in result.stdout


def test_script_directory_leads_sys_path_like_python_does() -> None:
    result = run_source("import sys, os\nprint(sys.path[0] == os.getcwd())\n", filename="torch.py")
    assert result.stdout == "True\n"
