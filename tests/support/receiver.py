"""A real webhook receiver for tests: an HTTP server on 127.0.0.1 (port 0) in a thread.

It records every request and answers with ``respond(request)`` (200 ``{"received": true}``
by default). ``down()`` closes the port (connections are refused) and ``up()`` opens the
same port again, to test retries after an outage.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import stripe


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body)

    def event(self, secret: str) -> stripe.Event:
        """The event, verified with the real SDK (raises SignatureVerificationError if forged)."""
        event: stripe.Event = stripe.Webhook.construct_event(
            self.body.decode("utf-8"), self.headers.get("stripe-signature"), secret
        )
        return event


Answer = tuple[int, dict[str, str], bytes]
Responder = Callable[[Received], Answer]


def ok(_: Received) -> Answer:
    return 200, {"Content-Type": "application/json"}, b'{"received": true}'


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


class Receiver:
    def __init__(self, respond: Responder = ok) -> None:
        self.respond = respond
        self.requests: list[Received] = []
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with receiver._cond:
                    receiver.requests.append(received)
                    receiver._cond.notify_all()
                try:
                    status, headers, content = receiver.respond(received)
                except Exception:  # a broken responder is a 500, like a broken app
                    status, headers, content = 500, {}, b"responder failed"
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the emulator gave up waiting

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler

    def up(self) -> Receiver:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler(), bind_and_activate=False)
        server.daemon_threads = True
        server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.server_bind()
        server.server_activate()
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Receiver:
        return self.up()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()

    # --- what arrived ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until at least ``count`` requests arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} webhook requests, got {len(self.requests)}")
                self._cond.wait(left)
            return list(self.requests)

    def events(self, secret: str) -> list[stripe.Event]:
        with self._cond:
            received = list(self.requests)
        return [r.event(secret) for r in received]
