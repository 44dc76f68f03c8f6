"""Ordinary scripts: the sandbox must report what `python script.py` would have shown.

Every test runs cold and warm (see conftest.py).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from assistant.sandbox import SandboxLimits, WarmSandbox

Sandbox = ModuleType | WarmSandbox


def test_clean_script_is_ok_and_output_is_captured(sandbox: Sandbox) -> None:
    result = sandbox.run_source("import sys\nprint('hello')\nprint('oops', file=sys.stderr)\n")
    assert result.status == "ok"
    assert result.error is None
    assert result.stdout == "hello\n"
    assert result.stderr == "oops\n"
    assert result.detail == ""
    assert {"clean-env", "rlimits"} <= set(result.isolation)


def test_raised_error_has_type_message_and_line(sandbox: Sandbox) -> None:
    result = sandbox.run_source("x = 1\n\nraise RuntimeError('x')\n")
    assert result.status == "error"
    assert result.error is not None
    assert (result.error.type, result.error.message, result.error.line) == ("RuntimeError", "x", 3)
    assert 'File "script.py", line 3' in result.error.traceback
    assert "bootstrap.py" not in result.error.traceback
    assert "RuntimeError: x" in result.stderr


def test_line_is_the_last_frame_in_the_script(sandbox: Sandbox) -> None:
    source = "def inner():\n    return {}['missing']\n\ninner()\n"
    result = sandbox.run_source(source)
    assert result.error is not None
    assert (result.error.type, result.error.line) == ("KeyError", 2)


def test_warnings_are_recorded_every_time(sandbox: Sandbox) -> None:
    source = "import warnings\nfor _ in range(2):\n    warnings.warn('careful', DeprecationWarning)\n"
    result = sandbox.run_source(source)
    assert result.status == "ok"
    assert result.warnings == (("DeprecationWarning", "careful", 3), ("DeprecationWarning", "careful", 3))


def test_a_warning_attributed_outside_the_script_has_no_line(sandbox: Sandbox) -> None:
    source = "import warnings\n\nwarnings.warn('from the caller', UserWarning, stacklevel=2)\n"
    result = sandbox.run_source(source)
    assert result.warnings == (("UserWarning", "from the caller", 0),)


def test_real_torch_error_is_reported(sandbox: Sandbox) -> None:
    result = sandbox.run_source("import torch\ntorch.zeros(2) @ torch.zeros(3)\n")
    assert result.stderr.startswith("Traceback")  # Landlock's read rules leave torch nothing to complain about
    assert result.status == "error"
    assert result.error is not None
    assert result.error.type == "RuntimeError"
    assert "inconsistent tensor size" in result.error.message
    assert result.error.line == 2


def test_syntax_error_in_the_script(sandbox: Sandbox) -> None:
    result = sandbox.run_source("print('fine')\ndef broken(:\n    pass\n")
    assert result.status == "error"
    assert result.error is not None
    assert result.error.type == "SyntaxError"
    assert result.error.line == 2
    assert result.stdout == ""  # nothing ran


@pytest.mark.parametrize(("code", "status"), [("0", "ok"), ("None", "ok"), ("3", "error"), ("'bad input'", "error")])
def test_system_exit(sandbox: Sandbox, code: str, status: str) -> None:
    result = sandbox.run_source(f"import sys\nsys.exit({code})\n")
    assert result.status == status
    if status == "error":
        assert result.error is not None and result.error.type == "SystemExit"


def test_os_exit_without_report_is_still_classified(sandbox: Sandbox) -> None:
    assert sandbox.run_source("import os\nos._exit(0)\n").status == "ok"
    failed = sandbox.run_source("import os\nos._exit(4)\n")
    assert failed.status == "error"
    assert failed.error is not None and failed.error.message == "4"


def test_main_guard_stdin_and_clean_workdir(sandbox: Sandbox) -> None:
    source = textwrap.dedent("""
        import os, sys
        if __name__ == "__main__":
            print(sys.stdin.read().upper(), os.getcwd(), os.environ["HOME"] == os.getcwd())
            open("scratch.txt", "w").write("allowed here")
    """)
    result = sandbox.run_source(source, stdin="ping")
    assert result.status == "ok", result.stderr
    shout, workdir, home_inside = result.stdout.split()
    assert (shout, home_inside) == ("PING", "True")
    assert not Path(workdir).exists()  # deleted afterwards


def test_run_file_names_the_users_file(sandbox: Sandbox, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nraise ValueError(name)\n", encoding="latin-1")
    result = sandbox.run_file(script)
    assert result.error is not None
    assert (result.error.type, result.error.message, result.error.line) == ("ValueError", "caf\xe9", 3)
    assert 'File "train.py", line 3' in result.error.traceback


def test_multiprocessing_works_inside(sandbox: Sandbox) -> None:
    source = textwrap.dedent("""
        import multiprocessing as mp
        def square(x):
            return x * x
        if __name__ == "__main__":
            with mp.get_context("fork").Pool(2) as pool:
                print(pool.map(square, range(4)))
    """)
    result = sandbox.run_source(source)
    if result.status != "ok" and "landlock" in result.isolation and "private-shm" not in result.isolation:
        pytest.skip("no private /dev/shm here, so Landlock leaves multiprocessing no place for its locks")
    assert result.status == "ok", result.stderr
    assert result.stdout == "[0, 1, 4, 9]\n"


@pytest.mark.parametrize("name", ["", "..", "a/b.py", "/etc/passwd"])
def test_filename_must_be_plain(sandbox: Sandbox, name: str) -> None:
    with pytest.raises(ValueError):
        sandbox.run_source("pass", filename=name)


def test_small_output_overflow_is_truncated_not_killed(sandbox: Sandbox) -> None:
    result = sandbox.run_source("print('y' * 5000)", limits=SandboxLimits(max_output_bytes=1000))
    assert result.status == "ok"
    assert result.stdout.startswith("y" * 1000)
    assert "[sandbox: output truncated, 4001 more bytes dropped]" in result.stdout


def test_script_directory_leads_sys_path_like_python_does(sandbox: Sandbox) -> None:
    result = sandbox.run_source("import sys, os\nprint(sys.path[0] == os.getcwd())\n", filename="torch.py")
    assert result.stdout == "True\n"


def test_stdin_can_be_reopened_by_path(sandbox: Sandbox) -> None:
    result = sandbox.run_source("print(open('/dev/stdin').read())", stdin="piped")
    assert result.status == "ok", result.stderr
    assert result.stdout == "piped\n"


def test_programs_and_the_interpreter_can_be_started(sandbox: Sandbox) -> None:
    source = textwrap.dedent("""
        import subprocess, sys
        print(subprocess.run(["sh", "-c", "echo shell"], capture_output=True, text=True).stdout.strip())
        print(subprocess.run([sys.executable, "-c", "import json; print('python')"], capture_output=True,
                             text=True).stdout.strip())
    """)
    result = sandbox.run_source(source)
    assert result.status == "ok", result.stderr
    assert result.stdout == "shell\npython\n"


def test_exit_waits_for_threads_and_runs_atexit_handlers(sandbox: Sandbox) -> None:
    source = textwrap.dedent("""
        import atexit, threading, time
        atexit.register(print, "atexit ran")
        threading.Thread(target=lambda: (time.sleep(0.2), print("thread finished"))).start()
    """)
    result = sandbox.run_source(source)
    assert result.status == "ok", result.stderr
    assert result.stdout == "thread finished\natexit ran\n"


def test_c_level_output_is_flushed_at_exit(sandbox: Sandbox) -> None:
    """C's stdout is fully buffered into a pipe; the sandbox ends the process without the interpreter's teardown."""
    result = sandbox.run_source("import ctypes\nctypes.CDLL(None).printf(b'from C\\n')\n")
    assert result.status == "ok", result.stderr
    assert result.stdout == "from C\n"
