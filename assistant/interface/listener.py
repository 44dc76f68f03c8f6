"""The event-loop side of `kb serve`: sockets, connections, request lines and worker threads.

One asyncio loop owns every connection, so idle ones cost no thread, and a burst of connections
waits in a real listen backlog instead of overflowing it. Pings are answered on the loop itself;
asks and fixes run on small fixed pools of daemon threads (a fix runs code for seconds and has
its own pool, so it never holds up an ask). A connection that sends nothing, or does not read its
replies, for `idle_timeout_s` is closed. SIGTERM and Ctrl-C stop the loop at once.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import queue
import signal
import socket
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.interface import client

MAX_REQUEST_BYTES = 16 * 1024 * 1024  # a 1,000,000-character query, JSON-escaped, with room to spare
Respond = Callable[[bytes], dict[str, Any]]  # a request line to its reply object; never raises


class ServerError(RuntimeError):
    """The server cannot listen where it was asked to; the message is one line for the user."""


@dataclass(frozen=True)
class Limits:
    """How much the server takes on at once; beyond these, requests wait their turn, never a thread each."""

    ask_workers: int = 2  # asks share one engine lock: a second thread only keeps the next one ready
    fix_workers: int = 2
    warm_interpreters: int = 2  # warm sandboxes kept for fixes, one per interpreter (assistant.interface.server)
    max_connections: int = 4096
    idle_timeout_s: float = 30.0
    backlog: int = 1024


class WorkerPool:
    """A fixed number of daemon threads running blocking calls for the event loop. Daemon threads, so
    that SIGTERM ends the server at once even while a fix is still running code in the sandbox."""

    def __init__(self, name: str, size: int) -> None:
        self.jobs: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future, asyncio.AbstractEventLoop]] = (
            queue.SimpleQueue())
        for number in range(size):
            threading.Thread(target=self._work, name=f"kb-{name}-{number}", daemon=True).start()

    async def run(self, call: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.jobs.put((call, future, loop))
        return await future

    def _work(self) -> None:
        while True:
            call, future, loop = self.jobs.get()
            result = call()  # a Respond: never raises
            loop.call_soon_threadsafe(_settle, future, result)


def _settle(future: asyncio.Future, result: Any) -> None:
    if not future.cancelled():  # the connection went away while the request ran
        future.set_result(result)


class Listener:
    """The event loop's side: connections, lines and replies. Only pings are answered on the loop
    itself; asks and fixes go to their own worker pools, so a long fix never holds up an ask, and
    no request holds up pings, new connections or SIGTERM."""

    def __init__(self, respond: Respond, limits: Limits) -> None:
        self.respond = respond
        self.limits = limits
        self.pools = {"ask": WorkerPool("ask", limits.ask_workers), "fix": WorkerPool("fix", limits.fix_workers)}
        self.connections = 0

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            if self.connections > self.limits.max_connections:
                await self._reply(writer, {"error": "the server has too many connections", "kind": "server"})
                return
            while line := await self._next_line(reader, writer):
                await self._reply(writer, await self._respond(line))
        except (ConnectionError, TimeoutError):
            pass  # the client went away, or stopped reading its replies
        finally:
            self.connections -= 1
            writer.close()

    async def _next_line(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        """The next request line; b"" at the end, after the idle timeout, or after a line too long."""
        try:
            return await asyncio.wait_for(reader.readline(), self.limits.idle_timeout_s)
        except TimeoutError:
            return b""
        except ValueError:  # longer than MAX_REQUEST_BYTES: the rest of the stream cannot be framed
            await self._reply(writer, {"error": "the request is too long", "kind": "request"})
            return b""

    async def _respond(self, line: bytes) -> dict[str, Any]:
        kind = _cheap_type(line)
        if kind == "ping":
            return self.respond(line)
        return await self.pools["fix" if kind == "fix" else "ask"].run(lambda: self.respond(line))

    async def _reply(self, writer: asyncio.StreamWriter, reply: dict[str, Any]) -> None:
        writer.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
        await asyncio.wait_for(writer.drain(), self.limits.idle_timeout_s)


def _cheap_type(line: bytes) -> str | None:
    """The "type" of a short request, read on the event loop; None for a long one, which its worker parses."""
    if len(line) > 4096:
        return None
    try:
        request = json.loads(line)
    except ValueError:
        return None
    return request.get("type") if isinstance(request, dict) else None


def run(listener: Listener, listening: socket.socket, ready: Callable[[], None]) -> None:
    """Answer connections on `listening` until SIGTERM or Ctrl-C; `ready` is called once both are
    handled, so whoever waits for it can stop the server at once."""
    asyncio.run(_run(listener, listening, ready))


async def _run(listener: Listener, listening: socket.socket, ready: Callable[[], None]) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopping.set)
    start = asyncio.start_server if listening.family != socket.AF_UNIX else asyncio.start_unix_server
    # asyncio listens again on the socket it is given: without `backlog` it would shrink it to 100
    server = await start(listener.connection, sock=listening, limit=MAX_REQUEST_BYTES, backlog=listener.limits.backlog)
    ready()
    await stopping.wait()
    server.close()  # open connections are cancelled by asyncio.run; nothing waits for them


def listen_unix(path: Path, backlog: int) -> socket.socket:
    if path.exists() or path.is_symlink():
        _clear_stale_socket(path)
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)  # the socket is created 0600: only its owner may ask
    try:
        listening.bind(str(path))
        listening.listen(backlog)
    except OSError as error:
        listening.close()
        raise ServerError(f"cannot listen on {path}: {error.strerror or error}") from None
    finally:
        os.umask(previous)
    return listening


def _clear_stale_socket(path: Path) -> None:
    if not stat.S_ISSOCK(os.lstat(path).st_mode):
        raise ServerError(f"{path} exists and is not a socket")
    if client.request(str(path), {"type": "ping"}, timeout=client.CONNECT_TIMEOUT_S) is not None:
        raise ServerError(f"a server is already listening on {path}")
    path.unlink()  # left behind by a server that was killed


def listen_tcp(address: tuple[str, int], backlog: int) -> socket.socket:
    if not ipaddress.ip_address(address[0]).is_loopback:  # never a public address, whoever calls
        raise ServerError(f"refusing {address[0]}: not a loopback address")
    listening = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
        listening.listen(backlog)
    except OSError as error:
        listening.close()
        raise ServerError(f"cannot listen on {address[0]}:{address[1]}: {error.strerror or error}") from None
    return listening
