"""`kb serve`: keep the index and the model loaded and answer `kb ask` and `kb fix` requests over a
local socket, so that an editor's lookup costs a round trip instead of starting Python, loading
the model and reading the index every time.

The server listens on a Unix socket (by default `kb.sock` in the index directory, where `kb ask`
looks for it; mode 0600, so only its owner can connect) or on a loopback TCP port where a Unix
socket will not do. It refuses any other address: it answers anyone who can connect. A fix request
runs the user's code (in the sandbox) and is therefore taken over the Unix socket only.

Protocol: one JSON object per line each way; a connection may carry several requests.

    {"type": "ask", "q": TEXT, "k": 1, "index": DIR, "model": DIR}     -> the `kb ask --json` object
        (with "error": an ErrorReport's to_wire(), a sandbox run's error is answered as it is)
    {"type": "fix", "source": CODE, "error": TEXT, "verify": false,
     "iterate": false, "filename": "script.py", "index": DIR,
     "python": PATH, "render": false}                                  -> the `kb fix --json` object
    {"type": "ping"}                                                   -> {"index", "model", "pid"}

Only "type" and the text ("q" / "source") are required; "k" is a whole number from 1 to 20, checked
as `kb ask` checks it (assistant.interface.query_input); "index" and "model", when given, must be
the server's (else the client answers in process). A fix's "python" is the interpreter that runs
the user's code, as the client resolved it (assistant.environment.interpreter): the absolute path
of an executable file, else the request is refused; without it, the server's own interpreter. The
server keeps a warm sandbox per interpreter between fixes (`WarmSandboxes`). With "render": true
the reply also holds "render", what the CLI's human output reads beyond the JSON object
(assistant.interface.fix_reply). The server never writes the user's files: `kb fix --write` does.
A connection idle for 30 s (`--idle-timeout`) is closed; how connections, threads and the backlog
are handled is in assistant.interface.listener. A request that cannot be answered gets
{"error": MESSAGE, "kind": KIND}, KIND being "query" (an unusable query: what `kb ask` exits 2
for), "mismatch" (another index or model), "request" (malformed) or "server" (failed here).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kb.embedding import model_name

from assistant.interface import client, listener
from assistant.interface.listener import ServerError
from assistant.interface.query_input import InputError, json_request
from assistant.answering.answer import Answer
from assistant.answering.code_query import CodeEvidence, gather_evidence
from assistant.answering.engine import Engine
from assistant.answering.error_model import ErrorReport, from_wire
from assistant.answering.query import QueryError, parse_query
from assistant.sandbox import SandboxResult, WarmSandbox, run_source

__all__ = ["RequestError", "ServerError", "Service", "serve"]


class RequestError(Exception):
    """A request answered with an error object; `kind` tells the client what to do about it."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class LockedEngine:
    """The engine behind a lock. Requests run on worker threads (assistant.interface.listener), so
    that a fix running its code in the sandbox does not hold up the questions behind it, but the
    SQLite connection, the FAISS index and the model are used by one request at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()

    def ask(self, text: str, k: int = 3, *, evidence: CodeEvidence | None = None) -> Answer:
        with self.lock:
            return self.engine.ask(text, k=k, evidence=evidence)

    def ask_error(self, error: ErrorReport, k: int = 3) -> Answer:
        """What `kb fix` asks about the error a sandbox run raised."""
        with self.lock:
            return self.engine.ask_error(error, k=k)


class WarmSandboxes:
    """Warm sandboxes kept between fix requests, one per interpreter, so that the next `kb fix` with
    that interpreter costs forks instead of starting a worker and importing torch. Each holds a
    process with torch imported, so at most `size` are kept: a new interpreter takes the place of the
    least recently used idle one, and while every one is busy it gets none (the fix then starts a
    sandbox of its own, as in process)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.warm: OrderedDict[str, WarmSandbox] = OrderedDict()  # least recently used first
        self.busy: Counter[str] = Counter()

    @contextmanager
    def lent(self, python: str) -> Iterator[WarmSandbox | None]:
        sandbox, retired = self._take(python)
        if retired is not None:
            retired.close()
        try:
            yield sandbox
        finally:
            if sandbox is not None:
                with self.lock:
                    self.busy[python] -= 1

    def close(self) -> None:
        with self.lock:
            sandboxes, self.warm = list(self.warm.values()), OrderedDict()
        for sandbox in sandboxes:
            sandbox.close()

    def _take(self, python: str) -> tuple[WarmSandbox | None, WarmSandbox | None]:
        """The sandbox for `python` (None when there is no room) and the one it replaced, to close."""
        retired = None
        with self.lock:
            if python not in self.warm:
                if len(self.warm) >= self.size:
                    idle = next((key for key in self.warm if not self.busy[key]), None)
                    if idle is None:
                        return None, None
                    retired = self.warm.pop(idle)
                self.warm[python] = WarmSandbox(python=python)
            self.warm.move_to_end(python)
            self.busy[python] += 1
            return self.warm[python], retired


class Service:
    """Turns request lines into reply objects; knows nothing about sockets."""

    def __init__(self, engine: Engine, *, allow_fix: bool, warm_interpreters: int = 2) -> None:
        self.engine = LockedEngine(engine)
        self.index_dir = engine.store.directory.resolve()
        self.model = engine.embedder.name
        self.allow_fix = allow_fix
        self.sandboxes = WarmSandboxes(warm_interpreters)

    def respond(self, line: bytes) -> dict[str, Any]:
        try:
            request = _parse(line)
            handler = {"ask": self.ask, "fix": self.fix, "ping": self.ping}.get(request.get("type"))
            if handler is None:
                raise RequestError("request", f"unknown request type {request.get('type')!r}")
            return handler(request)
        except RequestError as error:
            return {"error": str(error), "kind": error.kind}
        except QueryError as error:
            return {"error": str(error), "kind": "query"}
        except Exception as error:  # a bug must cost one reply, not the server
            print(f"kb serve: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            return {"error": f"{type(error).__name__}: {error}", "kind": "server"}

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self._check_same_index(request)
        try:
            ask = json_request(request)
            error = from_wire(request["error"]) if request.get("error") is not None else None
        except (InputError, ValueError) as problem:
            raise RequestError("request", str(problem)) from None
        if error is not None:  # a sandbox run's error, modelled by the client: answered as it is
            return self.engine.ask_error(error, k=ask.k).to_json()
        if parse_query(ask.text).kind == "code":
            return self.engine.ask(ask.text, k=ask.k, evidence=self._code_evidence(ask.text)).to_json()
        return self.engine.ask(ask.text, k=ask.k).to_json()

    def _code_evidence(self, code: str) -> CodeEvidence:
        """What pasted code shows, gathered outside the engine's lock: its abstract run takes a sandbox
        run (kb's own interpreter's warm one, as in a fresh process). Code runs, even abstractly, only
        over the Unix socket, like a fix; over TCP the client answers it in its own process."""
        if not self.allow_fix:
            raise RequestError("request", "code queries run the code and are taken over the Unix socket only")

        def run(source: str, **options: Any) -> SandboxResult:  # a sandbox only if the detectors find nothing
            with self.sandboxes.lent(sys.executable) as sandbox:
                return (sandbox.run_source if sandbox is not None else run_source)(source, **options)

        return gather_evidence(code, run)

    def fix(self, request: dict[str, Any]) -> dict[str, Any]:
        from assistant.interface.fix_reply import render_fields
        from assistant.repair.fix import fix_source  # libcst and the recipes load with the first fix request

        if not self.allow_fix:
            raise RequestError("request", "fix requests run code and are taken over the Unix socket only")
        self._check_same_index(request)
        error = request.get("error")
        if error is not None and not isinstance(error, str):
            raise RequestError("request", '"error" must be a string')
        source, python = _text(request, "source"), _python(request)
        iterate = bool(request.get("iterate"))
        with self.sandboxes.lent(python) as sandbox:
            report = fix_source(source, engine=self.engine, error_text=error,
                                verify=bool(request.get("verify")) or iterate, iterate=iterate,
                                filename=str(request.get("filename") or "script.py"), python=python, sandbox=sandbox)
        reply = report.to_json()
        return {**reply, "render": render_fields(report)} if request.get("render") else reply

    def ping(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"index": str(self.index_dir), "model": self.model, "pid": os.getpid()}

    def _check_same_index(self, request: dict[str, Any]) -> None:
        index, model = request.get("index"), request.get("model")
        if index is not None and Path(str(index)).resolve() != self.index_dir:
            raise RequestError("mismatch", f"this server holds the index at {self.index_dir}")
        if model is not None and model_name(Path(str(model))) != self.model:
            raise RequestError("mismatch", f"this server uses the model {self.model}")


def serve(engine: Engine, *, socket_path: Path | None = None, tcp: tuple[str, int] | None = None,
          ready: Callable[[str], None] = print, limits: listener.Limits = listener.Limits()) -> None:
    """Warm up, listen (on `tcp`, else on `socket_path` or the index's default socket), call
    `ready` with the address, and answer until SIGTERM or Ctrl-C; a socket file is removed on exit."""
    _warm_up(engine)
    path = None if tcp else (socket_path or client.socket_path(engine.store.directory))
    listening = listener.listen_tcp(tcp, limits.backlog) if tcp else listener.listen_unix(path, limits.backlog)
    identity = os.stat(path).st_ino if path else None
    service = Service(engine, allow_fix=tcp is None, warm_interpreters=limits.warm_interpreters)
    where = "tcp:{}:{}".format(*listening.getsockname()[:2]) if tcp else f"unix:{path}"
    try:
        listener.run(listener.Listener(service.respond, limits), listening, lambda: ready(where))
    finally:
        listening.close()
        service.sandboxes.close()
        if path and _inode(path) == identity:  # not a socket another server has since put there
            path.unlink()


def _warm_up(engine: Engine) -> None:
    """Load the model and the FAISS index and compile the error patterns now, so that the first
    request is as fast as the rest."""
    engine.ask("warm up", k=1)
    for _, pattern in engine.retriever.patterns:
        pattern.regex  # noqa: B018 (compiled and cached on first access)


def _parse(line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except ValueError:
        raise RequestError("request", "a request is one line of JSON") from None
    if not isinstance(request, dict):
        raise RequestError("request", "a request is a JSON object")
    return request


def _text(request: dict[str, Any], key: str) -> str:
    value = request.get(key)
    if not isinstance(value, str):
        raise RequestError("request", f'"{key}" must be a string')
    return value


def _python(request: dict[str, Any]) -> str:
    """The interpreter a fix request names for the user's code; the server's own when it names none."""
    python = request.get("python")
    if python is None:
        return sys.executable
    if not isinstance(python, str) or not os.path.isabs(python) or not os.path.isfile(python) or not os.access(python, os.X_OK):
        raise RequestError("request", f'"python" must be the absolute path of an executable file, got {python!r}')
    return python


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None
