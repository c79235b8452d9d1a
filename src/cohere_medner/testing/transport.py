"""The HTTP plumbing under FakeCohere: a threading server on 127.0.0.1 that asks a callback."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cohere_medner.testing.wire import Reply

Answer = Callable[[str, str, Mapping[str, str], bytes], Reply | None]
"""``(method, target, lower-cased headers, body) -> reply``; ``None`` drops the connection."""


class LoopbackServer(ThreadingHTTPServer):
    """Serves on a free port of 127.0.0.1, one daemon thread per connection."""

    daemon_threads = True
    block_on_close = False  # closing must not wait for answers that sleep
    # socketserver's backlog of 5 drops the SYN of a client opening more connections at
    # once (8 in flight, a pool refilled after a burst of errors): the kernel retries it
    # a second later, so requests reached the server up to seconds after they were sent.
    request_queue_size = 128

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.closing = threading.Event()
        """Set once connections are dropped: answers still dripping out stop."""
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's name, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def port(self) -> int:
        return self.server_port

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client goes away (killed, interrupted, or reading only the start
        of an answer); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def track(self, connection: socket.socket, *, open: bool) -> None:
        with self._connections_lock:
            if open:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def drop_connections(self) -> None:
        """Shut every open connection, so that idle keep-alive threads end at once."""
        self.closing.set()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.track(self.connection, open=False)

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.answer(self.command, self.path, headers, raw)
        if reply is None:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            if reply.drip > 0:
                self._drip(reply.body, reply.drip)
            else:
                self.wfile.write(reply.body)
        except OSError:  # the client gave up (its timeout) or the server is stopping
            self.close_connection = True

    def _drip(self, body: bytes, pause: float) -> None:
        """Send ``body`` a byte at a time, ``pause`` seconds apart, until the server stops."""
        for index in range(len(body)):
            if index and self.server.closing.wait(pause):
                raise OSError("the server is stopping")
            self.wfile.write(body[index : index + 1])

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read the log through FakeCohere, never stderr."""
