"""The API's answers written in one piece (head and body together) on uvicorn's httptools protocol.

uvicorn's ``send`` checks every response header with two regular expressions, lower-cases it and
compares it with three names, then writes the head and the body with a call each (a ``send``
system call each). Stripe's answers carry 12-14 headers, so this was the largest single cost
between the handler and the socket (``bench/PROFILE.md``). The API builds its headers itself from
values it made or checked, and marks its ``http.response.start`` message with :data:`TRUSTED`; for
those answers :class:`OneWrite` joins the head without the checks and writes it with the body.

Rules (what keeps this equal to uvicorn's own ``send``):

* Only a start message marked :data:`TRUSTED` takes this path, and only when uvicorn would write
  a plain response: not started yet, no access log, a ``content-length`` header, whole body in one
  message of exactly that length. Anything else goes to uvicorn's ``send`` unchanged (a head kept
  back is written first).
* A trusted header value never holds a control character: the API marks only answers whose
  echoed values (``Idempotency-Key``, ``Origin``) it checked, with its own content type.
* No reference cycle: the cycle does not hold its :class:`OneWrite` (the app is given it).
* The state uvicorn keeps on its cycle is set as its ``send`` sets it (``response_started``,
  ``response_complete``, ``expected_content_length``, ``connection: close`` when the connection is
  not kept alive, the message event, ``on_response``): ``tests/wire/test_one_write.py`` runs
  keep-alive, ``Connection: close``, HEAD and pipelined requests through it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from types import MappingProxyType
from typing import Any

TRUSTED = "emulator.trusted_headers"  # in an ``http.response.start`` message: headers need no checks
CLOSE = b"connection: close\r\n"

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def joined(headers: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join([name + b": " + value + b"\r\n" for name, value in headers])


class OneWrite:
    """A cycle's ``send``: trusted answers in one write, everything else through uvicorn's."""

    __slots__ = ("cycle", "defaults", "head", "inner", "status_lines")

    def __init__(
        self, cycle: Any, defaults: Callable[[list[tuple[bytes, bytes]]], bytes], status_lines: Mapping[int, bytes]
    ) -> None:
        self.cycle = cycle
        self.inner: Send = cycle.send  # uvicorn's own
        self.defaults = defaults
        self.status_lines = status_lines
        self.head: bytes | None = None

    async def __call__(self, message: MutableMapping[str, Any]) -> None:
        cycle = self.cycle
        kind = message["type"]
        if kind == "http.response.start":
            if message.get(TRUSTED) and not (cycle.response_started or cycle.disconnected or cycle.access_log):
                head = self._head(message)
                if head is not None:
                    self.head = head
                    return
        elif kind == "http.response.body" and self.head is not None:
            head, self.head = self.head, None
            body = message.get("body", b"")
            if message.get("more_body", False) or len(body) != cycle.expected_content_length:
                cycle.transport.write(head)  # not one piece after all: uvicorn takes it from here
            else:
                await self._finish(head, body)
                return
        await self.inner(message)

    def _head(self, message: MutableMapping[str, Any]) -> bytes | None:
        cycle = self.cycle
        status_line = self.status_lines.get(message["status"])
        headers: list[tuple[bytes, bytes]] = message["headers"]
        length = next((value for name, value in headers if name == b"content-length"), None)
        if status_line is None or length is None or not length.isdigit():
            return None
        cycle.response_started = True
        cycle.waiting_for_100_continue = False
        cycle.chunked_encoding = False
        # a HEAD answer states the length of the body it leaves out (uvicorn: expects no bytes)
        cycle.expected_content_length = 0 if cycle.scope["method"] == "HEAD" else int(length)
        parts = [status_line, self.defaults(cycle.default_headers), joined(headers)]
        if not cycle.keep_alive:
            parts.append(CLOSE)
        parts.append(b"\r\n")
        return b"".join(parts)

    async def _finish(self, head: bytes, body: bytes) -> None:
        cycle = self.cycle
        if cycle.flow.write_paused and not cycle.disconnected:
            await cycle.flow.drain()
        if cycle.disconnected:
            return
        cycle.transport.write(head + body if body else head)
        cycle.expected_content_length = 0
        cycle.response_complete = True
        cycle.message_event.set()
        if not cycle.keep_alive:
            cycle.transport.close()
        cycle.on_response()


class OneWriteAnswers:
    """Mixed into uvicorn's httptools protocol: each request cycle sends through :class:`OneWrite`.
    :func:`emulator.http.limits.protocol_class` sets ``status_lines`` (uvicorn's, by status)."""

    status_lines: Mapping[int, bytes] = MappingProxyType({})
    _defaults_for: Any = None
    _defaults_joined: bytes = b""

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        # The writer is handed to the app, not stored on the cycle: a cycle holding its writer
        # that holds it would be a reference cycle per request, freed only by the garbage
        # collector (and frozen by emulator.gc_tuning until its full collection).
        send = OneWrite(cycle, self._default_headers, self.status_lines)

        async def with_one_write(scope: Any, receive: Any, _: Any) -> None:
            await app(scope, receive, send)

        super()._start_asgi_task(cycle, with_one_write)  # type: ignore[misc]

    def _default_headers(self, current: list[tuple[bytes, bytes]]) -> bytes:
        """uvicorn's ``date`` and ``server`` headers, joined once per list (the date changes each second)."""
        if current is not self._defaults_for:
            self._defaults_for = current
            self._defaults_joined = joined([(name.lower(), value) for name, value in current])
        return self._defaults_joined
