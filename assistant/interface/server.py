"""`kb serve`: keep the index and the model loaded and answer `kb ask` and `kb fix` requests over a
local socket, so that an editor's lookup costs a round trip instead of starting Python, loading
the model and reading the index every time.

The server listens on a Unix socket (by default `kb.sock` in the index directory, where `kb ask`
looks for it; mode 0600, so only its owner can connect) or on a loopback TCP port where a Unix
socket will not do. It refuses any other address: it answers anyone who can connect. A fix request
runs the user's code (in the sandbox) and is therefore taken over the Unix socket only.

Protocol: one JSON object per line each way; a connection may carry several requests.

    {"type": "ask", "q": TEXT, "k": 1, "index": DIR, "model": DIR}     -> the `kb ask --json` object
    {"type": "fix", "source": CODE, "error": TEXT, "verify": false,
     "iterate": false, "filename": "script.py", "index": DIR}          -> the `kb fix --json` object
    {"type": "ping"}                                                   -> {"index", "model", "pid"}

Only "type" and the text ("q" / "source") are required; "index" and "model", when given, must be
the server's (else the client answers in process). A request that cannot be answered gets
{"error": MESSAGE, "kind": KIND}, KIND being "query" (an unusable query: what `kb ask` exits 2
for), "mismatch" (another index or model), "request" (malformed) or "server" (failed here).
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
import socketserver
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.embedding import model_name

from assistant.interface import client
from assistant.answering.answer import Answer
from assistant.answering.engine import Engine
from assistant.answering.query import QueryError

MAX_REQUEST_BYTES = 16 * 1024 * 1024  # a 1,000,000-character query, JSON-escaped, with room to spare


class ServerError(RuntimeError):
    """The server cannot listen where it was asked to; the message is one line for the user."""


class RequestError(Exception):
    """A request answered with an error object; `kind` tells the client what to do about it."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class LockedEngine:
    """The engine behind a lock. Requests are handled on threads, so that a fix running its code in
    the sandbox does not hold up the questions behind it, but the SQLite connection, the FAISS
    index and the model are used by one request at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()

    def ask(self, text: str, k: int = 3) -> Answer:
        with self.lock:
            return self.engine.ask(text, k=k)


class Service:
    """Turns request lines into reply objects; knows nothing about sockets."""

    def __init__(self, engine: Engine, *, allow_fix: bool) -> None:
        self.engine = LockedEngine(engine)
        self.index_dir = engine.store.directory.resolve()
        self.model = engine.embedder.name
        self.allow_fix = allow_fix

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
        k = request.get("k", 1)
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise RequestError("request", "k must be a positive integer")
        return self.engine.ask(_text(request, "q"), k=k).to_json()

    def fix(self, request: dict[str, Any]) -> dict[str, Any]:
        from assistant.repair.fix import fix_source  # libcst and the sandbox load with the first fix request

        if not self.allow_fix:
            raise RequestError("request", "fix requests run code and are taken over the Unix socket only")
        self._check_same_index(request)
        error = request.get("error")
        if error is not None and not isinstance(error, str):
            raise RequestError("request", '"error" must be a string')
        iterate = bool(request.get("iterate"))
        report = fix_source(_text(request, "source"), engine=self.engine, error_text=error,
                            verify=bool(request.get("verify")) or iterate, iterate=iterate,
                            filename=str(request.get("filename") or "script.py"))
        return report.to_json()

    def ping(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"index": str(self.index_dir), "model": self.model, "pid": os.getpid()}

    def _check_same_index(self, request: dict[str, Any]) -> None:
        index, model = request.get("index"), request.get("model")
        if index is not None and Path(str(index)).resolve() != self.index_dir:
            raise RequestError("mismatch", f"this server holds the index at {self.index_dir}")
        if model is not None and model_name(Path(str(model))) != self.model:
            raise RequestError("mismatch", f"this server uses the model {self.model}")


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        service: Service = self.server.service  # type: ignore[attr-defined]
        while line := self.rfile.readline(MAX_REQUEST_BYTES):
            if len(line) >= MAX_REQUEST_BYTES and not line.endswith(b"\n"):
                self._reply({"error": "the request is too long", "kind": "request"})
                return
            self._reply(service.respond(line))

    def _reply(self, reply: dict[str, Any]) -> None:
        self.wfile.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
        self.wfile.flush()


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _TCP6Server(_TCPServer):
    address_family = socket.AF_INET6


def serve(engine: Engine, *, socket_path: Path | None = None, tcp: tuple[str, int] | None = None,
          ready: Callable[[str], None] = print) -> None:
    """Warm up, listen (on `tcp`, else on `socket_path` or the index's default socket), call
    `ready` with the address, and answer until SIGTERM or Ctrl-C; a socket file is removed on exit."""
    _warm_up(engine)
    path = None if tcp else (socket_path or client.socket_path(engine.store.directory))
    server = _listen_tcp(tcp) if tcp else _listen_unix(path)
    server.service = Service(engine, allow_fix=tcp is None)  # type: ignore[attr-defined]
    identity = os.stat(path).st_ino if path else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwinds serve_forever into the cleanup below
    try:
        ready(f"tcp:{server.server_address[0]}:{server.server_address[1]}" if tcp else f"unix:{path}")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if path and _inode(path) == identity:  # not a socket another server has since put there
            path.unlink()


def _warm_up(engine: Engine) -> None:
    """Load the model and the FAISS index and compile the error patterns now, so that the first
    request is as fast as the rest."""
    engine.ask("warm up", k=1)
    for _, pattern in engine.retriever.patterns:
        pattern.regex  # noqa: B018 (compiled and cached on first access)


def _listen_unix(path: Path) -> socketserver.BaseServer:
    if path.exists() or path.is_symlink():
        _clear_stale_socket(path)
    previous = os.umask(0o177)  # the socket is created 0600: only its owner may ask
    try:
        return _UnixServer(str(path), _Handler)
    except OSError as error:
        raise ServerError(f"cannot listen on {path}: {error.strerror or error}") from None
    finally:
        os.umask(previous)


def _clear_stale_socket(path: Path) -> None:
    if not stat.S_ISSOCK(os.lstat(path).st_mode):
        raise ServerError(f"{path} exists and is not a socket")
    if client.request(str(path), {"type": "ping"}, timeout=client.CONNECT_TIMEOUT_S) is not None:
        raise ServerError(f"a server is already listening on {path}")
    path.unlink()  # left behind by a server that was killed


def _listen_tcp(address: tuple[str, int]) -> socketserver.BaseServer:
    if not ipaddress.ip_address(address[0]).is_loopback:  # never a public address, whoever calls
        raise ServerError(f"refusing {address[0]}: not a loopback address")
    server_class = _TCP6Server if ":" in address[0] else _TCPServer
    try:
        return server_class(address, _Handler)
    except OSError as error:
        raise ServerError(f"cannot listen on {address[0]}:{address[1]}: {error.strerror or error}") from None


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


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None
