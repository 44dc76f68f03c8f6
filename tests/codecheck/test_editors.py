"""kb lint where people see it: pre-commit's hook definition, the Neovim module in a real headless
Neovim, and the VS Code problem matcher against real output."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.codecheck.kblint import BROKEN, CLEAN

ROOT = Path(__file__).resolve().parents[2]
KB_BIN = Path(sys.executable).parent  # where `pip install` put the `kb` script


def on_path() -> dict[str, str]:
    return {**os.environ, "PATH": f"{KB_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_the_pre_commit_hook_runs_kb_lint_on_python_files(tmp_path):
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"], hook["types"]) == ("kb-lint", "kb lint", "python", ["python"])
    (tmp_path / "broken.py").write_text(BROKEN)
    (tmp_path / "clean.py").write_text(CLEAN)
    run = [*shlex.split(hook["entry"])]
    broken = subprocess.run([*run, "broken.py", "clean.py"], cwd=tmp_path, env=on_path(), capture_output=True, text=True)
    clean = subprocess.run([*run, "clean.py"], cwd=tmp_path, env=on_path(), capture_output=True, text=True)
    assert broken.returncode == 1 and broken.stdout.startswith("broken.py:5:12: KB-softmax-implicit-dim ")
    assert (clean.returncode, clean.stdout) == (0, "")


NVIM_SCRIPT = """\
local lint = require("kb_lint")
lint.setup()
vim.cmd("edit " .. vim.fn.fnameescape(vim.env.KB_TEST_FILE))  -- BufReadPost starts the lint
local done = vim.wait(90000, function() return #vim.diagnostic.get(0, { namespace = lint.namespace }) > 0 end, 50)
local found = {}
for _, d in ipairs(vim.diagnostic.get(0, { namespace = lint.namespace })) do
  table.insert(found, { lnum = d.lnum, col = d.col, source = d.source, code = d.code, message = d.message,
                        severity = d.severity })
end
vim.fn.writefile({ vim.fn.json_encode({ done = done, diagnostics = found }) }, vim.env.KB_TEST_OUT)
vim.cmd("qall!")
"""


def test_the_neovim_module_sets_diagnostics_from_kb_lint(tmp_path):
    nvim = shutil.which("nvim")
    if nvim is None:  # fail, never skip: a CI without Neovim must not lose this check silently
        pytest.fail("nvim is not installed (Debian: apt-get install neovim; .ci/run installs it)")
    (tmp_path / "model.py").write_text(BROKEN)
    (tmp_path / "check.lua").write_text(NVIM_SCRIPT)
    env = {**on_path(), "KB_TEST_FILE": str(tmp_path / "model.py"), "KB_TEST_OUT": str(tmp_path / "out.json"),
           "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)}
    command = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={ROOT / 'editors' / 'nvim'}",
               "-c", f"luafile {tmp_path / 'check.lua'}"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert (tmp_path / "out.json").exists(), result.stderr
    output = json.loads((tmp_path / "out.json").read_text())
    [diagnostic] = output["diagnostics"]
    assert output["done"] is True
    assert (diagnostic["lnum"], diagnostic["col"], diagnostic["source"], diagnostic["code"]) == (
        4, 11, "kb", "KB-softmax-implicit-dim")
    assert diagnostic["message"].startswith("F.softmax() is called without dim")
    assert diagnostic["severity"] == 2  # vim.diagnostic.severity.WARN


def test_the_vs_code_problem_matcher_reads_kb_lint_lines(tmp_path):
    text = (ROOT / "editors" / "vscode" / "tasks.json").read_text()
    tasks = json.loads("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")))
    [task] = [t for t in tasks["tasks"] if t["label"] == "kb: lint"]
    pattern = task["problemMatcher"]["pattern"]
    (tmp_path / "model.py").write_text(BROKEN)
    output = subprocess.run([*shlex.split(task["command"]), *[a.replace("${workspaceFolder}", str(tmp_path))
                                                              for a in task["args"]]],
                            env=on_path(), capture_output=True, text=True).stdout
    [line] = output.splitlines()
    match = re.match(pattern["regexp"], line)
    assert match is not None, line
    assert match.group(pattern["file"]) == str(tmp_path / "model.py")
    assert (match.group(pattern["line"]), match.group(pattern["column"]), match.group(pattern["code"])) == (
        "5", "12", "KB-softmax-implicit-dim")
    assert match.group(pattern["message"]).startswith("F.softmax() is called without dim")
