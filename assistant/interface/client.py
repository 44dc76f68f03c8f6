"""The client side of `kb serve`: find the server for an index and ask it.

Only the standard library is imported here, so `kb ask` answered by a server starts as fast as
Python does: no torch, sentence-transformers, FAISS or numpy (tests/test_server.py checks).

Where the server is: `KB_SERVER` when set (a Unix socket path, or a loopback `HOST:PORT`), else
the socket `kb.sock` in the index directory, where `kb serve` listens by default. When nothing
answers there (no server, or a stale socket file left by one that was killed), or the server holds
another index or model, `Answerer` opens the engine in this process instead, so a server only ever
makes `kb ask` faster, never different. The wire protocol is described in assistant.interface.server.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from kb.locations import default_index_dir

SERVER_ENV = "KB_SERVER"
SOCKET_NAME = "kb.sock"
CONNECT_TIMEOUT_S = 1.0
ASK_TIMEOUT_S = 30.0
FIX_TIMEOUT_S = 1800.0  # a fix may run the code a few dozen times (each run is bounded by the sandbox)

Address = str | tuple[str, int]  # a Unix socket path, or a loopback (host, port)


class IndexUnusable(RuntimeError):
    """The index failed while answering in this process (kb.store.StoreError: corrupt, full, locked);
    the message is one line for the user, and the exit code 3."""


class QueryRefused(ValueError):
    """The query cannot be used (assistant.answering.query.QueryError, raised in this process or in
    the server); the message is one line for the user. Defined here so that a client answered by a
    server never imports the answering library."""


class AskingEngine(Protocol):
    def ask(self, text: str, k: int = 3) -> Any: ...  # an assistant.answering.answer.Answer

    def ask_error(self, error: Any, k: int = 3) -> Any: ...  # the same, for an ErrorReport


def socket_path(index_dir: Path) -> Path:
    """The default socket of a server for this index: beside the index, so each index has its own."""
    return index_dir / SOCKET_NAME


def loopback_address(text: str) -> tuple[str, int]:
    """HOST:PORT as a loopback address; anything else raises ValueError. A server answers whoever
    can connect to it, so it must never be reachable from another machine."""
    host, _, port = text.rpartition(":")
    host = "127.0.0.1" if host == "localhost" else host.strip("[]")
    try:
        ip, number = ipaddress.ip_address(host), int(port)
    except ValueError:
        raise ValueError(f"{text!r} is not HOST:PORT with an IP address or localhost") from None
    if not ip.is_loopback:
        raise ValueError(f"refusing {host}: not a loopback address (the server answers anyone who can connect)")
    if not 0 <= number <= 65535:
        raise ValueError(f"{text!r}: port {number} out of range")
    return str(ip), number


def server_address(index_dir: Path) -> Address | None:
    """Where a server for this index would be listening, or None when there is clearly none.
    A `KB_SERVER` that is not a socket path or a loopback address is ignored, never connected to."""
    configured = os.environ.get(SERVER_ENV, "").strip()
    if not configured:
        path = socket_path(index_dir)
        return str(path) if path.exists() else None
    if "/" in configured:
        return configured
    try:
        return loopback_address(configured)
    except ValueError:
        return None


def request(address: Address, payload: dict[str, Any], timeout: float = ASK_TIMEOUT_S) -> dict[str, Any] | None:
    """Send one request and read its reply; None when no server answers at `address`."""
    family = socket.AF_UNIX if isinstance(address, str) else _inet_family(address[0])
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(CONNECT_TIMEOUT_S)
            connection.connect(address)
            connection.settimeout(timeout)
            connection.sendall(json.dumps(payload).encode() + b"\n")
            connection.shutdown(socket.SHUT_WR)
            with connection.makefile("rb") as replies:
                reply = json.loads(replies.readline())
    except (OSError, ValueError):  # refused, a stale socket file, a timeout, a reply cut short
        return None
    return reply if isinstance(reply, dict) else None


class Answerer:
    """`kb ask` answers as their JSON objects: from the server for this index when one is up, else
    from an engine opened in this process on first need and kept for the following questions."""

    def __init__(self, index: Path | None, model: Path | None, open_engine: Callable[[], AskingEngine]) -> None:
        self.index_dir = _index_dir(index)
        self.model = model
        self.open_engine = open_engine
        self.engine: AskingEngine | None = None

    def ask(self, text: str, k: int) -> dict[str, Any]:
        """Raises QueryRefused for a query that cannot be used, wherever it was answered."""
        if self.engine is None:
            answer = self._ask_server(text, k)
            if answer is not None:
                return answer
            self.engine = self.open_engine()
        from kb.store import StoreError  # loaded with the engine already

        from assistant.answering.query import QueryError

        try:
            return self.engine.ask(text, k=k).to_json()
        except QueryError as error:
            raise QueryRefused(str(error)) from None
        except StoreError as error:
            raise IndexUnusable(str(error)) from None

    def ask_error(self, error: Any, k: int) -> dict[str, Any]:
        """The answer for an error already modelled (an assistant.answering.error_model.ErrorReport,
        from a sandbox run): sent to the server as it is, never printed and parsed again."""
        if self.engine is None:
            answer = self._ask_server(error.headline, k, error.to_wire())
            if answer is not None:
                return answer
            self.engine = self.open_engine()
        from kb.store import StoreError  # loaded with the engine already

        try:
            return self.engine.ask_error(error, k=k).to_json()
        except StoreError as problem:
            raise IndexUnusable(str(problem)) from None

    def _ask_server(self, text: str, k: int, error: dict[str, Any] | None = None) -> dict[str, Any] | None:
        payload = {"type": "ask", "q": text, "k": k}
        return _server_reply(self.index_dir, self.model, {**payload, "error": error} if error is not None else payload,
                             ASK_TIMEOUT_S)


def fix_through_server(index: Path | None, model: Path | None, fix: dict[str, Any]) -> dict[str, Any] | None:
    """The reply of the server for this index and model to a fix request (`fix` holds its fields
    but "type", see assistant.interface.server), or None when no such server answers it: the
    caller then fixes in process. Raises QueryRefused for an error text with no error in it."""
    return _server_reply(_index_dir(index), model, {"type": "fix", **fix}, FIX_TIMEOUT_S)


def _server_reply(index_dir: Path, model: Path | None, payload: dict[str, Any], timeout: float) -> dict[str, Any] | None:
    """The server's answer to `payload` for this index and model; None when there is none to have."""
    address = server_address(index_dir)
    if address is None:
        return None
    reply = request(address, {**payload, "index": str(index_dir), "model": str(model) if model else None}, timeout)
    if reply is not None and reply.get("kind") == "query":
        raise QueryRefused(reply["error"])
    return None if reply is None or _is_error(reply) else reply


def _is_error(reply: dict[str, Any]) -> bool:
    """A server's error object: a message and its kind (a fix report's "error" is the problem fixed)."""
    return isinstance(reply.get("error"), str) and "kind" in reply


def _index_dir(index: Path | None) -> Path:
    return (index if index is not None else default_index_dir()).resolve()


def _inet_family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
