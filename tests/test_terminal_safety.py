"""Output that cannot attack the terminal: escapes in an error message, a query or a document are
shown, never acted on, rich markup in them is just text, and `kb fix --write` never writes through
a link. Human output is checked as rich writes it to a real (forced) terminal."""

import io
import json
import re

import pytest
from typer.testing import CliRunner

from assistant.interface import render
from assistant.interface.cli import app

from tests.fakes import FakeEmbedder
from tests.test_server import index  # noqa: F401 (the fixture: the shipped corpus, fake-embedded)

ERROR = "RuntimeError: running_mean should contain 50 elements not 256"
CODE = "import torch\nbn = torch.nn.BatchNorm1d(256)\nx = torch.randn(8, 50, 256)\ny = bn(x)\n"
ATTACKS = {
    "clipboard (OSC 52)": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "window title (OSC 0)": "\x1b]0;pwned\x07",
    "clear screen": "\x1b[2J\x1b[H",
    "fake verdict": "\n\x1b[1;32mVerified:\x1b[0m the patched code runs clean (0.1 s).",
    "C1 control sequence": "\x9b2J",
    "right-to-left override": "\u202edetaerc",
}
SGR = re.compile(r"\x1b\[[0-9;]*m")  # colours and bold: the only escapes rich itself writes here
runner = CliRunner()
INDEX: list[str] = []  # --index of the prebuilt index (set by the fixture): no progress bar to draw


@pytest.fixture(autouse=True)
def terminal(monkeypatch, tmp_path, index) -> io.StringIO:
    """rich writing to a colour terminal, as a person would see it; the fake model for answers."""
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("tests.test_terminal_safety.INDEX", ["--index", str(index)])
    monkeypatch.delenv("KB_SERVER", raising=False)
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())
    screen = io.StringIO()
    for name in ("out", "err"):
        monkeypatch.setattr(render, name, render.InertConsole(file=screen, force_terminal=True, color_system="truecolor",
                                                               width=120))
    return screen


def assert_inert(screen: str) -> None:
    """Nothing but colour escapes reached the terminal, and no line of ours was forged."""
    assert "\x1b" not in SGR.sub("", screen), repr(screen)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", SGR.sub("", screen)), repr(screen)
    assert not any(SGR.sub("", line).startswith("Verified:") for line in screen.splitlines()), screen


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS)
def test_a_query_with_escapes_is_shown_inert(attack, terminal):
    result = runner.invoke(app, ["ask", *INDEX, ERROR + attack])
    assert result.exit_code in (0, 1), result.output
    assert_inert(terminal.getvalue())


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS)
def test_an_error_message_with_escapes_is_shown_inert_by_kb_fix(attack, terminal):
    result = runner.invoke(app, ["fix", "-", *INDEX, "--error", ERROR + attack], input=CODE)
    assert result.exit_code == 0, result.output
    assert_inert(terminal.getvalue())


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS)
def test_an_error_line_with_escapes_is_inert(attack, terminal, tmp_path):
    result = runner.invoke(app, ["ask", *INDEX, "--file", str(tmp_path / f"missing{attack}.txt")])
    assert result.exit_code == 2
    screen = terminal.getvalue()
    assert_inert(screen)
    assert len(screen.strip().splitlines()) == 1 and "cannot read" in screen


def test_json_output_is_ascii_and_decodes_to_the_text_given(terminal):
    query = ERROR + "".join(ATTACKS.values())
    result = runner.invoke(app, ["ask", *INDEX, "--json", query])
    assert result.stdout.isascii() and "\x1b" not in result.stdout
    assert json.loads(result.stdout)["query"]["message"] in query


def test_rich_markup_in_a_query_is_just_text(terminal):
    result = runner.invoke(app, ["ask", *INDEX, ERROR + " [/] [bold]x[/bold]"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "[/] [bold]x[/bold]" in SGR.sub("", terminal.getvalue())


def test_a_title_with_brackets_is_shown_whole(terminal):
    assert runner.invoke(app, ["ask", *INDEX, ERROR]).exit_code == 0
    assert "Embedding / [batch, seq, features] output" in SGR.sub("", terminal.getvalue())


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(CODE)
    return path


def fix_write(script):
    return runner.invoke(app, ["fix", str(script), *INDEX, "--error", ERROR, "--write"])


def test_write_keeps_the_original_and_replaces_the_file_whole(script):
    result = fix_write(script)
    assert result.exit_code == 0, result.output
    assert (script.parent / "train.py.orig").read_text() == CODE
    assert script.read_text() != CODE and "transpose(1, 2)" in script.read_text()
    assert sorted(p.name for p in script.parent.iterdir()) == ["train.py", "train.py.orig"]  # no temporary left


@pytest.mark.parametrize("planted", ["link to a file", "dangling link", "earlier backup"])
def test_write_never_writes_through_or_over_a_planted_backup(script, tmp_path, planted, terminal):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    backup = script.parent / "train.py.orig"
    if planted == "link to a file":
        backup.symlink_to(victim)
    elif planted == "dangling link":
        backup.symlink_to(tmp_path / "nowhere")
    else:
        backup.write_text("the first original")
    result = fix_write(script)
    assert result.exit_code == 2
    assert len(terminal.getvalue().strip().splitlines()) == 1 and "already exists" in terminal.getvalue()
    assert victim.read_text() == "precious" and script.read_text() == CODE
    assert planted != "earlier backup" or backup.read_text() == "the first original"
    assert not (tmp_path / "nowhere").exists()


def test_write_refuses_a_script_that_is_a_link(script, tmp_path, terminal):
    link = tmp_path / "link.py"
    link.symlink_to(script)
    result = fix_write(link)
    assert result.exit_code == 2 and "symbolic link" in terminal.getvalue()
    assert script.read_text() == CODE and not (tmp_path / "link.py.orig").exists()
