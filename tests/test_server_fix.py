"""`kb fix` through `kb serve`: the same report, verdict and exit code as in process, the user's
code run with the interpreter the CLI resolved, the user's file written by the CLI alone, and the
fix made in process when no server answers.

Servers run in subprocesses on the fake-embedder index of tests/test_server.py; the code runs in
the real sandbox.
"""

from __future__ import annotations

import json
import signal
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.interface import client, render, server
from assistant.interface.cli import app
from assistant.interface.fix_reply import FixReply, render_fields
from assistant.answering.error_model import ErrorReport, Frame
from assistant.repair.fix import Attempt, EntryRef, FixReport, RunOutcome

from tests.environment.conftest import make_venv
from tests.fakes import FakeEmbedder
from tests.test_server import ERROR, index, no_engine_here, no_stray_server_settings, running_server, stop  # noqa: F401

BROKEN = (Path(__file__).parent / "fixtures" / "broken" / "view_after_permute.py").read_text()
runner = CliRunner()


def without_durations(value: Any) -> Any:
    """A report with every duration_s left out: the one thing two runs of the same fix differ in."""
    if isinstance(value, dict):
        return {key: without_durations(item) for key, item in value.items() if key != "duration_s"}
    if isinstance(value, list):
        return [without_durations(item) for item in value]
    return value


def kb_fix(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["fix", *args])
    return result.exit_code, result.stdout


def children_of(pid: int) -> list[str]:
    return [child for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()]


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "train.py"
    path.write_text(BROKEN)
    return path


def test_kb_fix_through_a_server_is_the_in_process_fix(index, script, monkeypatch):
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())
    code_here, json_here = kb_fix(str(script), "--verify", "--json", "--index", str(index))
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", no_engine_here)  # only the server may answer
    with running_server("--index", str(index)) as (process, _):
        code_there, json_there = kb_fix(str(script), "--verify", "--json", "--index", str(index))
        human_code, human = kb_fix(str(script), "--verify", "--index", str(index))
        written_code, _ = kb_fix(str(script), "--verify", "--write", "--json", "--index", str(index))
        assert len(children_of(process.pid)) == 1  # one warm worker served all three fixes
    here, there = json.loads(json_here), json.loads(json_there)
    assert here["verdict"] == "verified" and code_here == 0
    assert without_durations(there) == without_durations(here) and code_there == code_here
    assert human_code == code_here and "Verified:" in human
    assert all(line in human.splitlines() for line in here["patch"].splitlines())
    assert written_code == 0 and script.read_text() == here["patched"]  # written by the CLI, not the server
    assert (script.parent / "train.py.orig").read_text() == BROKEN


def test_kb_fix_is_made_in_process_when_no_server_answers(index, script, monkeypatch):
    with running_server("--index", str(index)) as (process, _):
        stop(process, signal.SIGKILL)
    stale = index / "kb.sock"
    assert stale.exists()  # nothing listens there any more
    try:
        monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())
        code, output = kb_fix(str(script), "--error", "RuntimeError: view size is not compatible with input "
                              "tensor's size and stride", "--json", "--index", str(index))
    finally:
        stale.unlink(missing_ok=True)
    report = json.loads(output)
    assert code == 0 and report["verdict"] == "patched-unverified" and report["recipe"] == "view-to-reshape"


def test_a_fix_through_the_server_runs_the_interpreter_the_cli_resolved(index, script, tmp_path, monkeypatch):
    users_python = make_venv(tmp_path / "venv", sees_kbs_torch=True)
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", no_engine_here)
    with running_server("--index", str(index)):
        code, output = kb_fix(str(script), "--verify", "--json", "--index", str(index), "--python", str(users_python))
    report = json.loads(output)
    assert code == 0 and report["verdict"] == "verified"
    assert report["interpreter"]["python"] == str(users_python)


def test_a_fix_request_naming_an_unusable_interpreter_is_refused_in_one_line(index, tmp_path):
    plain_file = tmp_path / "python"
    plain_file.write_text("#!/bin/sh\n")
    plain_file.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with running_server("--index", str(index)) as (_, where):
        for python in ("/nonexistent/bin/python", "venv/bin/python", str(tmp_path), str(plain_file), 3):
            reply = client.request(where.removeprefix("unix:"), {"type": "fix", "source": BROKEN, "verify": True,
                                                                 "python": python})
            assert reply["kind"] == "request" and '"python" must be' in reply["error"], python
            assert "\n" not in reply["error"]


class CountedSandbox:
    """Stands in for WarmSandbox: no worker process, only whether it was closed."""

    def __init__(self, python: str) -> None:
        self.python, self.closed = python, False

    def close(self) -> None:
        self.closed = True


def test_warm_sandboxes_are_kept_per_interpreter_and_bounded(monkeypatch):
    monkeypatch.setattr(server, "WarmSandbox", CountedSandbox)
    sandboxes = server.WarmSandboxes(2)
    with sandboxes.lent("/a/python") as first:
        pass
    with sandboxes.lent("/a/python") as again, sandboxes.lent("/b/python") as other:
        assert again is first and other is not first
        with sandboxes.lent("/c/python") as no_room:  # both kept ones are busy: this fix starts its own
            assert no_room is None
    with sandboxes.lent("/c/python") as third:  # takes the place of the least recently used
        assert third.python == "/c/python" and first.closed and not other.closed
    sandboxes.close()
    assert third.closed and other.closed


def outcome(status: str, error: ErrorReport | None, detail: str = "") -> RunOutcome:
    return RunOutcome(status, error, (), 0.42, detail, {"python": "/u/bin/python", "version": "3.11", "torch": "2.4"})


VIEW = ErrorReport("RuntimeError", "view size is not compatible with input tensor's size and stride",
                   (Frame("/w/train.py", 7, "<module>", "x.view(-1, 8)"),), line=7)
ENTRY = EntryRef("view-non-contiguous", "view() after transpose/permute", "confident")
REPORTS = {
    "verified, after a recipe that failed": FixReport(
        "train.py", BROKEN, VIEW, ENTRY, outcome("error", VIEW), True,
        attempts=(Attempt(1, "first", "a = 1\n", False, outcome("error", VIEW)),
                  Attempt(1, "view-to-reshape", "b = 2\n", True, outcome("ok", None))),
        applied=(Attempt(1, "view-to-reshape", "b = 2\n", True, outcome("ok", None)),), duration_s=1.5),
    "the same message further down is a new error": FixReport(
        "train.py", BROKEN, VIEW, ENTRY, outcome("error", VIEW), True,
        applied=(Attempt(1, "view-to-reshape", "c = 3\n", False, outcome("error", ErrorReport(
            VIEW.type, VIEW.message, line=12))),), next_entry=ENTRY, duration_s=2.0),
    "a patched run stopped by a limit": FixReport(
        "train.py", BROKEN, VIEW, ENTRY, outcome("error", VIEW), True,
        applied=(Attempt(1, "view-to-reshape", "d = 4\n", False, outcome("timeout", None, "ran past 60 s")),)),
    "not run": FixReport("train.py", BROKEN, VIEW, None, None, False,
                         applied=(Attempt(1, "view-to-reshape", "e = 5\n", False, None),)),
    "not reproduced": FixReport("train.py", BROKEN, VIEW, ENTRY, outcome("ok", None), False),
    "nothing to fix": FixReport("train.py", BROKEN, None, None, outcome("ok", None), False, note="ran clean"),
}


@pytest.mark.parametrize("name", REPORTS)
def test_a_server_report_is_shown_written_and_exited_with_as_the_in_process_one(name, capsys, tmp_path):
    report = REPORTS[name]
    reply = FixReply.from_reply(json.loads(json.dumps({**report.to_json(), "render": render_fields(report)})))
    render.fix_report(report, tmp_path / "train.py")
    shown_here = capsys.readouterr().out
    render.fix_report(reply, tmp_path / "train.py")
    assert capsys.readouterr().out == shown_here
    assert reply.to_json() == report.to_json()
    assert (reply.verdict, reply.patched) == (report.verdict, report.patched)


def test_a_reply_without_its_render_fields_still_reads():
    report = REPORTS["verified, after a recipe that failed"]
    reply = FixReply.from_reply(report.to_json())
    assert reply.error == ErrorReport(VIEW.type, VIEW.message) and reply.after.detail == ""
    assert reply.to_json() == report.to_json() and reply.verdict == "verified"
