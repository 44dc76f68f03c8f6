"""`kb serve` and the `kb ask` client: same answers as in process, only local addresses, a fallback
when the server is gone, and a client path that loads none of the heavy libraries.

Servers run in subprocesses on a tiny index built with the fake embedder; every test stops the
servers it started (see `running_server`).
"""

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.interface import client
from assistant.interface.cli import app
from assistant.answering.error_model import ErrorReport, Frame, from_wire
from assistant.answering.engine import Engine
from assistant.repair.fix import fix_source
from assistant.interface.launcher import PlainAsk, plain_json_ask
from kb.ingest import ingest, shipped_corpus_files
from kb.store import Store

from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
ERROR = "RuntimeError: running_mean should contain 50 elements not 256"
QUESTION = "where should batchnorm go relative to relu?"
CODE = "import torch\nx = torch.randn(8, 50, 256)\nbn = torch.nn.BatchNorm1d(256)\ny = bn(x)\n"
HEAVY = ("torch", "sentence_transformers", "faiss", "numpy")
USE_FAKE_MODEL = ("import kb.embedding\nfrom tests.fakes import FakeEmbedder\n"
                  "kb.embedding.SentenceTransformerEmbedder = lambda model=None: FakeEmbedder()\n")
SERVE = USE_FAKE_MODEL + "import sys\nfrom assistant.interface.cli import app\napp(sys.argv[1:], prog_name='kb')\n"
KB_ASK = ("import atexit, json, sys\n"
          f"atexit.register(lambda: print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr))\n"
          "from assistant.interface.launcher import main\nmain()\n")
runner = CliRunner()


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("kb") / "index"
    ingest(Store.create(directory, model=FakeEmbedder.name, dim=FakeEmbedder.dim), shipped_corpus_files(), FakeEmbedder())
    return directory


@pytest.fixture(autouse=True)
def no_stray_server_settings(monkeypatch, tmp_path):
    monkeypatch.delenv(client.SERVER_ENV, raising=False)
    monkeypatch.delenv("KB_MODEL", raising=False)
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))


def no_engine_here(model=None):
    raise AssertionError("the engine was opened in process, not asked through the server")


def in_process(index: Path, text: str, k: int = 3) -> dict:
    return Engine(Store.open(index), FakeEmbedder()).ask(text, k=k).to_json()


@contextmanager
def running_server(*args: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """`kb serve ARGS` in a subprocess, once it says where it listens; always stopped afterwards."""
    process = subprocess.Popen([sys.executable, "-c", SERVE, "serve", *args], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 120)
        line = process.stdout.readline() if ready else ""
        assert line.startswith("listening on "), line + (process.stderr.read() if process.poll() is not None else "")
        yield process, line.removeprefix("listening on ").strip()
    finally:
        stop(process)


def stop(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> int:
    if process.poll() is None:
        process.send_signal(how)
    try:
        return process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def kb_ask(*args: str, stdin: bytes | None = None, fake_model: bool = False,
           env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, list[str]]:
    """`kb ask ARGS` through the real entry point in a new process; also which heavy modules it loaded."""
    code = (USE_FAKE_MODEL if fake_model else "") + KB_ASK
    result = subprocess.run([sys.executable, "-c", code, "ask", *args], cwd=ROOT, input=stdin, capture_output=True,
                            env={**os.environ, **(env or {})}, timeout=120)
    loaded = json.loads(result.stderr.decode().strip().splitlines()[-1])
    return result, loaded


def test_answers_through_the_server_equal_in_process_ones_and_load_nothing_heavy(index):
    with running_server("--index", str(index)) as (_, where):
        assert where == f"unix:{index.resolve() / 'kb.sock'}"
        for text in (ERROR, QUESTION, CODE):
            result, loaded = kb_ask("--json", "-k", "3", "--index", str(index), "-", stdin=text.encode())
            # in process this process would use the real model, which the fake index refuses (exit 3):
            # an answer at all means the server gave it
            assert result.returncode in (0, 1), result.stderr
            assert json.loads(result.stdout) == in_process(index, text)
            assert loaded == []


def test_cli_ask_uses_the_server_for_human_and_batch_output(index, monkeypatch):
    monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", no_engine_here)
    with running_server("--index", str(index)):
        human = runner.invoke(app, ["ask", "--index", str(index), ERROR])
        assert human.exit_code == 0 and "batchnorm1d-channels-last" in human.stdout
        lines = json.dumps({"q": ERROR}) + "\n" + json.dumps({"q": " "}) + "\n"
        batch = runner.invoke(app, ["ask", "--batch", "--index", str(index)], input=lines)
        first, second = (json.loads(line) for line in batch.stdout.splitlines())
        assert first == in_process(index, ERROR, k=1)
        assert "line 2" in second["error"] and "empty" in second["error"] and batch.exit_code == 2


def test_falls_back_in_process_when_the_server_is_gone(index, monkeypatch):
    with running_server("--index", str(index)) as (process, _):
        stop(process, signal.SIGKILL)
    socket_file = index / "kb.sock"
    assert socket_file.exists()  # stale: nothing listens there any more
    try:
        result, _ = kb_ask("--json", "--index", str(index), ERROR, fake_model=True)
        assert result.returncode == 0 and json.loads(result.stdout) == in_process(index, ERROR, k=1)
        monkeypatch.setattr("kb.embedding.SentenceTransformerEmbedder", lambda model=None: FakeEmbedder())
        cli = runner.invoke(app, ["ask", "--json", "--index", str(index), QUESTION])
        assert json.loads(cli.stdout) == in_process(index, QUESTION, k=1)
        with running_server("--index", str(index)) as (_, where):  # a new server clears the stale socket
            assert where.endswith("kb.sock")
    finally:
        socket_file.unlink(missing_ok=True)


def test_server_removes_its_socket_on_exit_and_refuses_a_second_one(index):
    with running_server("--index", str(index)) as (process, _):
        second = subprocess.run([sys.executable, "-c", SERVE, "serve", "--index", str(index)], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 2 and "already listening" in second.stderr
        assert stop(process) == 0
    assert not (index / "kb.sock").exists()


@pytest.mark.parametrize("address", ["0.0.0.0:8765", "[::]:8765", "192.168.1.10:80", "8.8.8.8:53", "example.com:80"])
def test_server_refuses_any_address_but_loopback(address, index):
    result = runner.invoke(app, ["serve", "--index", str(index), "--tcp", address])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and ("loopback" in lines[0] or "HOST:PORT" in lines[0])


def test_client_never_connects_to_a_public_address(index, monkeypatch):
    monkeypatch.setenv(client.SERVER_ENV, "0.0.0.0:8765")
    assert client.server_address(index) is None
    monkeypatch.setenv(client.SERVER_ENV, "127.0.0.1:8765")
    assert client.server_address(index) == ("127.0.0.1", 8765)


def test_loopback_tcp_answers_asks_but_not_fixes(index):
    with running_server("--index", str(index), "--tcp", "127.0.0.1:0") as (_, where):
        host, port = where.removeprefix("tcp:").rsplit(":", 1)
        result, loaded = kb_ask("--json", "--index", str(index), ERROR, env={client.SERVER_ENV: f"{host}:{port}"})
        assert json.loads(result.stdout) == in_process(index, ERROR, k=1) and loaded == []
        refused = client.request((host, int(port)), {"type": "fix", "source": CODE, "error": ERROR})
        assert refused["kind"] == "request" and "Unix socket" in refused["error"]


def test_fix_requests_get_the_kb_fix_json(index):
    source = "import torch\nbn = torch.nn.BatchNorm1d(256)\nx = torch.randn(8, 50, 256)\ny = bn(x)\n"
    expected = fix_source(source, engine=Engine(Store.open(index), FakeEmbedder()), error_text=ERROR,
                          verify=False).to_json()
    with running_server("--index", str(index)) as (_, where):
        reply = client.request(where.removeprefix("unix:"), {"type": "fix", "source": source, "error": ERROR})
    assert reply.pop("duration_s") >= 0 and expected.pop("duration_s") >= 0
    assert reply == expected


def test_bad_requests_get_an_error_object_and_the_server_keeps_going(index):
    with running_server("--index", str(index)) as (_, where):
        path = where.removeprefix("unix:")
        assert client.request(path, {"type": "ask", "q": "  "}) == {"error": "the query is empty", "kind": "query"}
        assert client.request(path, {"type": "nonsense"})["kind"] == "request"
        assert client.request(path, {"type": "ask", "q": ERROR, "k": "three"})["kind"] == "request"
        assert client.request(path, {"type": "ask", "q": ERROR, "index": "/elsewhere"})["kind"] == "mismatch"
        assert client.request(path, {"type": "ping"})["model"] == FakeEmbedder.name


def test_cold_exact_error_loads_no_model_faiss_or_numpy(tmp_path):
    # an index that claims the real model, so that `kb ask` opens it with the real embedder; its
    # vectors never matter, because an exact signature skips dense search
    index = tmp_path / "index"
    ingest(Store.create(index, model="all-MiniLM-L6-v2", dim=FakeEmbedder.dim), shipped_corpus_files(), FakeEmbedder())
    result, loaded = kb_ask("--json", "--index", str(index), ERROR)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["id"] == "batchnorm1d-channels-last"
    assert loaded == []


def test_bad_input_on_the_fast_path_gets_the_cli_error_and_exit_code(index):
    empty, _ = kb_ask("--json", "--index", str(index), "-", stdin=b"   \n", fake_model=True)
    assert empty.returncode == 2 and b"empty" in empty.stderr
    binary, _ = kb_ask("--json", "--index", str(index), stdin=b"\x00\x01", fake_model=True)
    assert binary.returncode == 2 and b"binary" in binary.stderr
    missing, _ = kb_ask("--json", "--index", str(index / "nowhere"), ERROR)
    assert missing.returncode == 3 and b"no index" in missing.stderr


def test_only_plain_json_asks_take_the_fast_path():
    assert plain_json_ask(["ask", "--json", "-k", "3", "--index=/i", "Runtime", "Error"]) == PlainAsk(
        ("Runtime", "Error"), k="3", index=Path("/i"))
    assert plain_json_ask(["ask", "--json", "-f", "t.txt"]) == PlainAsk((), file=Path("t.txt"))
    for args in (["ask", ERROR], ["ask", "--batch", "--json"], ["ask", "--json", "--help"], ["info", "--json"],
                 ["ask", "--json", "-k"]):
        assert plain_json_ask(args) is None, args


HOSTILE = "RuntimeError: array has to be sorted in decreasing order" + " lengths" * 124_990  # just under the 1M limit


def unix_path(where: str) -> str:
    return where.removeprefix("unix:")


def threads_of(process: subprocess.Popen) -> int:
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])


def test_a_hostile_query_stalls_neither_pings_nor_other_asks(index):
    with running_server("--index", str(index)) as (_, where), ThreadPoolExecutor(4) as pool:
        hostile = [pool.submit(client.request, unix_path(where), {"type": "ask", "q": HOSTILE}) for _ in range(2)]
        ping = client.request(unix_path(where), {"type": "ping"}, timeout=5)
        ask = client.request(unix_path(where), {"type": "ask", "q": ERROR}, timeout=20)
        assert ping is not None and ping["model"] == FakeEmbedder.name
        assert ask == in_process(index, ERROR, k=1)
        assert all("match" in future.result(timeout=60) for future in hostile)


def test_sigterm_stops_the_server_while_requests_are_running(index):
    with running_server("--index", str(index)) as (process, where), ThreadPoolExecutor(4) as pool:
        for _ in range(4):
            pool.submit(client.request, unix_path(where), {"type": "ask", "q": HOSTILE})
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert not (index / "kb.sock").exists()


def test_idle_connections_are_closed_and_cost_no_thread_each(index):
    with running_server("--index", str(index), "--idle-timeout", "2") as (process, where):
        idle = [socket.socket(socket.AF_UNIX) for _ in range(300)]
        try:
            for connection in idle:
                connection.connect(unix_path(where))
            assert client.request(unix_path(where), {"type": "ping"}, timeout=30) is not None
            assert threads_of(process) < 20
            for connection in idle:
                connection.settimeout(30)
                assert connection.recv(1) == b""  # closed by the server after 2 s of silence
        finally:
            for connection in idle:
                connection.close()


def test_a_request_line_over_the_limit_gets_an_error_and_the_server_keeps_going(index):
    with running_server("--index", str(index)) as (_, where):
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(unix_path(where))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # it may stop reading once over
                connection.sendall(b'{"type": "ask", "q": "' + b"x" * (17 * 1024 * 1024))
            assert json.loads(connection.makefile("rb").readline())["error"] == "the request is too long"
        assert client.request(unix_path(where), {"type": "ping"}) is not None


def test_a_modelled_error_is_answered_by_the_server_as_it_is(index):
    """kb ask --run sends the sandbox run's ErrorReport itself: no traceback text is parsed again."""
    root = ErrorReport("RuntimeError", "running_mean should contain 40 elements not 128",
                       (Frame("/srv/model.py", 31, "forward", "x = self.norm(x)"),))
    raised = ErrorReport("AttributeError", "'NoneType' object has no attribute 'save'", earlier=root, link="context")
    expected = Engine(Store.open(index), FakeEmbedder()).ask_error(raised, k=2).to_json()
    with running_server("--index", str(index)) as _:
        answerer = client.Answerer(index, None, no_engine_here)
        assert answerer.ask_error(raised, 2) == expected
    assert expected["results"][0]["id"] == "batchnorm1d-channels-last"
    assert expected["query"]["message"] == root.message


@pytest.mark.parametrize("wire", [
    [], {"message": "no type"}, {"type": "E", "message": 3}, {"type": "E", "message": "", "frames": [{"file": 1}]},
    {"type": "E", "message": "", "line": "7"}, {"type": "E", "message": "", "link": "sideways", "earlier": {"type": "F"}},
])
def test_a_malformed_error_report_is_refused_in_one_line(wire):
    with pytest.raises(ValueError):
        from_wire(wire)


def test_an_error_report_survives_the_wire_whole():
    link = ErrorReport("IndexError", "index 4 is out of bounds", (Frame("/d/ds.py", 31, "__getitem__", "box[4]"),), line=31)
    report = ErrorReport("IndexError", "Caught IndexError in DataLoader worker process 1.", (), False, "tb", link, "wrapped")
    assert from_wire(json.loads(json.dumps(report.to_wire()))) == report
    deep = {"type": "E", "message": "m"}
    for _ in range(20):
        deep = {"type": "E", "message": "m", "earlier": deep, "link": "cause"}
    with pytest.raises(ValueError):
        from_wire(deep)
