"""`kb lint`: the flake8 line format, the JSON object, exit codes, bad input and directory walking."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import jsonschema

from assistant.interface.schemas import SCHEMAS

from tests.codecheck.kblint import BROKEN, CLEAN, kb_lint


def test_a_finding_is_one_flake8_style_line_and_exit_1(tmp_path):
    (tmp_path / "model.py").write_text(BROKEN)
    result = kb_lint(tmp_path / "model.py")
    assert result.returncode == 1, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{tmp_path / 'model.py'}:5:12: KB-softmax-implicit-dim F.softmax() is called without dim")


def test_clean_code_prints_nothing_and_exits_0(tmp_path):
    (tmp_path / "model.py").write_text(CLEAN)
    result = kb_lint(tmp_path / "model.py")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_json_output_is_valid_against_its_schema(tmp_path):
    (tmp_path / "model.py").write_text(BROKEN)
    result = kb_lint("--json", tmp_path / "model.py")
    output = json.loads(result.stdout)
    jsonschema.validate(output, SCHEMAS["lint"], cls=jsonschema.Draft202012Validator)
    [finding] = output["findings"]
    assert (result.returncode, finding["id"], finding["line"], finding["col"]) == (1, "softmax-implicit-dim", 5, 12)
    assert finding["title"].startswith("F.softmax / log_softmax without dim")
    bad = kb_lint("--json", tmp_path / "model.py", tmp_path / "missing.py")
    assert (bad.returncode, bad.stdout) == (2, "")


def test_each_bad_input_is_one_line_and_exit_2_while_the_rest_is_linted(tmp_path):
    (tmp_path / "syntax.py").write_text("def broken(:\n    pass\n")
    (tmp_path / "notes.txt").write_text("not code\n")
    (tmp_path / "binary.py").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "model.py").write_text(BROKEN)
    result = kb_lint(*(tmp_path / name for name in ("syntax.py", "notes.txt", "binary.py", "missing.py", "model.py")))
    assert result.returncode == 2
    errors = result.stderr.splitlines()
    assert errors == [
        f"kb: error: {tmp_path / 'syntax.py'}:1:12: syntax error: invalid syntax",
        f"kb: error: {tmp_path / 'notes.txt'}: not a Python file (expected a .py file or a python #! line)",
        f"kb: error: {tmp_path / 'binary.py'}: binary data, not text",
        f"kb: error: {tmp_path / 'missing.py'}: cannot read (No such file or directory)",
    ]
    assert "Traceback" not in result.stderr and "KB-softmax-implicit-dim" in result.stdout


def test_code_nested_too_deeply_for_the_parser_is_one_line_too(tmp_path):
    (tmp_path / "deep.py").write_text("x = a" + ".b" * 50_000 + "\n")
    result = kb_lint(tmp_path / "deep.py")
    assert (result.returncode, result.stderr) == (2, f"kb: error: {tmp_path / 'deep.py'}:1:1: syntax error: nested too deeply to parse\n")


def test_directories_are_walked_for_python_files_but_not_hidden_or_cache_ones(tmp_path):
    for relative in ("pkg/a.py", "pkg/sub/b.py", ".venv/lib/c.py", "pkg/__pycache__/d.py", "pkg/e.txt"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(BROKEN)
    result = kb_lint("pkg", cwd=tmp_path)
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["pkg/a.py", "pkg/sub/b.py"]


def test_a_python_script_without_suffix_is_linted_by_its_shebang(tmp_path):
    (tmp_path / "train").write_text("#!/usr/bin/env python3\n" + BROKEN)
    assert kb_lint(tmp_path / "train").returncode == 1


def test_text_from_the_users_files_is_shown_inert(tmp_path):
    (tmp_path / "a\x1b]0;owned\x07.py").write_text(BROKEN)
    result = kb_lint(".", cwd=tmp_path)
    assert result.stdout.startswith("a\\x1b]0;owned\\x07.py:5:12: KB-softmax-implicit-dim") and "\x1b" not in result.stdout


def test_kb_lint_never_imports_torch_or_typer(tmp_path):
    (tmp_path / "model.py").write_text(BROKEN)
    program = textwrap.dedent(f"""\
        import sys
        sys.argv = ["kb", "lint", {str(tmp_path / 'model.py')!r}]
        from assistant.interface.launcher import main
        try:
            main()
        except SystemExit as exit:
            code = exit.code
        print(code, sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "typer")))
    """)
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines()[-1] == "1 []", result.stderr


def test_the_plain_command_line_is_linted_without_typer_or_torch(tmp_path):
    (tmp_path / "model.py").write_text(BROKEN)
    program = textwrap.dedent(f"""\
        import sys
        from assistant.interface.lint_command import plain_lint
        code = plain_lint(["lint", "--json", {str(tmp_path / 'model.py')!r}])
        print(code, sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "typer", "rich", "yaml")))
    """)
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines()[-1] == "1 []", result.stderr
    assert json.loads(result.stdout.splitlines()[0])["findings"][0]["id"] == "softmax-implicit-dim"


def test_other_command_lines_are_left_to_the_typer_app():
    from assistant.interface.lint_command import plain_lint

    for args in (["lint"], ["lint", "--fix", "a.py"], ["lint", "--help"], ["lint", "--", "a.py"], ["ask", "a.py"]):
        assert plain_lint(args) is None, args
