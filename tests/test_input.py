"""One input path: the launcher's fast `kb ask --json`, the typer CLI, batch lines and the server read
and check a request with the same rules (assistant.interface.query_input) and give the same
one-line error for the same bad input, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answering.engine import Engine
from assistant.interface.cli import app
from assistant.interface.query_input import MAX_K, AskRequest, InputError, batch_line, json_request, k_option
from assistant.interface.server import Service
from kb.store import Store

from tests.fakes import FakeEmbedder
from tests.test_server import index  # noqa: F401 (the fixture: the shipped corpus, fake-embedded)

ROOT = Path(__file__).resolve().parents[1]
ERROR = "RuntimeError: running_mean should contain 50 elements not 256"
BAD_K = ['"3"', '"a"', "1.5", "[1]", "null", "true", "0", "-1", str(MAX_K + 1), "1e400"]
LAUNCHER = ("import kb.embedding, sys\nfrom tests.fakes import FakeEmbedder\n"
            "kb.embedding.SentenceTransformerEmbedder = lambda model=None: FakeEmbedder()\n"
            "from assistant.interface.launcher import main\nsys.argv[0] = 'kb'\nmain()\n")
runner = CliRunner()


@pytest.fixture(autouse=True)
def fake_model(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KB_SERVER", raising=False)
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())


def launcher(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """`kb ARGS` through the real entry point in a new process (a plain --json ask never loads typer)."""
    return subprocess.run([sys.executable, "-c", LAUNCHER, *args], cwd=ROOT, input=stdin, capture_output=True,
                          timeout=120)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_batch_answers_the_good_lines_around_each_bad_k(index):
    lines = [json.dumps({"q": ERROR})] + ['{"q": "%s", "k": %s}' % (ERROR, k) for k in BAD_K] + [json.dumps({"q": ERROR})]
    result = runner.invoke(app, ["ask", "--batch", "--index", str(index)], input="\n".join(lines) + "\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(replies) == len(lines)
    assert replies[0]["match"] == "confident" and replies[-1] == replies[0]
    for number, reply in enumerate(replies[1:-1], 2):
        assert set(reply) == {"error"} and reply["error"].startswith(f"line {number}: ") and '"k"' in reply["error"]
    assert result.exit_code == 2


@pytest.mark.parametrize("line, words", [(b"\xff\xfe not utf-8", "UTF-8"), (b'{"q": "a\x00b"}', "binary"),
                                         (b"[1, 2]", "JSON object"), (b'{"q": 3}', '"q" must be a string'),
                                         (b"not json", "not JSON")])
def test_a_batch_line_that_is_not_a_request_gets_an_error_and_the_next_is_answered(index, line, words):
    result = runner.invoke(app, ["ask", "--batch", "--index", str(index)],
                           input=line + b"\n" + json.dumps({"q": ERROR}).encode() + b"\n")
    first, second = (json.loads(text) for text in result.stdout.splitlines())
    assert first["error"].startswith("line 1: ") and words in first["error"]
    assert second["match"] == "confident" and result.exit_code == 2


@pytest.mark.parametrize("k", ["a", "0", "21", "1.5", ""])
def test_a_bad_k_is_one_line_and_the_same_on_the_fast_path_and_in_the_cli(index, k):
    fast = launcher("ask", "--json", "-k", k, "--index", str(index), ERROR)
    cli = runner.invoke(app, ["ask", "--json", "-k", k, "--index", str(index), ERROR])
    assert fast.returncode == 2 and cli.exit_code == 2 and fast.stdout == b""
    assert one_error_line(fast.stderr.decode()) == one_error_line(cli.stderr)


@pytest.mark.parametrize("stdin, words", [(b"caf\xe9", "not UTF-8"), (b"\x00\x01", "binary"), (b" \n", "empty")])
def test_bad_stdin_is_the_same_error_on_the_fast_path_and_in_the_cli(index, stdin, words):
    fast = launcher("ask", "--json", "--index", str(index), "-", stdin=stdin)
    cli = runner.invoke(app, ["ask", "--json", "--index", str(index), "-"], input=stdin)
    assert fast.returncode == cli.exit_code == 2
    assert words in one_error_line(fast.stderr.decode()) and one_error_line(fast.stderr.decode()) == one_error_line(cli.stderr)


def test_the_server_refuses_a_bad_k_with_the_same_words(index):
    service = Service(Engine(Store.open(index), FakeEmbedder()), allow_fix=False)
    for k in BAD_K:
        reply = service.respond(('{"type": "ask", "q": "%s", "k": %s}' % (ERROR, k)).encode())
        with pytest.raises(InputError) as refused:
            json_request(json.loads('{"q": "x", "k": %s}' % k))
        assert reply == {"error": str(refused.value), "kind": "request"}, k


def test_requests_that_are_fine_are_read_as_given():
    assert json_request({"q": "x"}, default_k=3) == AskRequest("x", 3)
    assert json_request({"q": "x", "k": MAX_K}) == AskRequest("x", MAX_K)
    assert batch_line(b'{"q": "caf\xc3\xa9", "k": 2}\n', 1) == AskRequest("café", 2)
    assert k_option(" 7 ") == 7


def test_the_input_module_loads_no_heavy_library():
    code = ("import sys, assistant.interface.query_input\n"
            "print(sorted(m for m in ('typer', 'click', 'rich', 'torch', 'numpy', 'faiss') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
