"""Slow and numerous clients: read deadlines and a bound on the connections served.

Two layers, so they hold whichever HTTP implementation uvicorn runs (h11 or httptools):

* :func:`protocol_class` wraps uvicorn's protocol class. A connection has ``--header-timeout``
  seconds from its first byte (or from being opened) to complete a request head; otherwise it
  is answered ``408`` (or, when it sent nothing at all, simply closed). A request head longer
  than ``head_limit`` bytes is answered ``400`` and its connection closed (h11 has a limit of its
  own; httptools has none, so this one is what holds there). A request that arrives
  while more than ``--max-connections`` connections are open is answered ``503`` (with
  ``Stripe-Should-Retry: true``) and its connection closed. Idle keep-alive connections are
  closed after ``--keep-alive-timeout`` seconds (uvicorn's own timer).
* :class:`BodyReader` is ASGI: the whole request body must arrive within ``--body-timeout``
  seconds of the head, or the request is answered ``408`` and the connection closed.

Every answer here is Stripe's error JSON with ``Connection: close``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from emulator.core import jsonutil
from emulator.http.errors import BODY_TOO_LARGE, StripeError
from emulator.http.one_write import OneWriteAnswers

HEAD_TIMEOUT = "The request head was not received within {seconds:g} seconds; the connection is closed."
BODY_TIMEOUT = "The request body was not received within {seconds:g} seconds; the connection is closed."
HEAD_TOO_LARGE = "The request line and headers are longer than {limit} bytes; the connection is closed."
BUSY = (
    "The emulator is serving {limit} connections, its limit (--max-connections); this connection is closed. "
    "Retry, or reuse fewer connections."
)
URL_LIMIT = 65_535  # httptools.parse_url's longest URL
# In each request's scope: the server's requests being served (uvicorn's task set, every
# connection's). The API packs after an answer only when its own is the one left
# (emulator.core.store.Cooling): under load the stores pack in batches, which costs less.
IN_FLIGHT = "emulator.requests_in_flight"
REASONS = {400: b"Bad Request", 403: b"Forbidden", 408: b"Request Timeout", 413: b"Payload Too Large"}
REASONS.update({421: b"Misdirected Request", 503: b"Service Unavailable"})

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


def _headers(err: StripeError, body: bytes) -> list[tuple[bytes, bytes]]:
    out = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-cache, no-store"),
        (b"connection", b"close"),
    ]
    if err.status >= 400:
        out.append((b"stripe-should-retry", b"true" if err.status in (408, 503) else b"false"))
    return out


async def send_error(send: Send, err: StripeError) -> None:
    """Answer ``err`` as Stripe's error JSON and close the connection after it."""
    body = jsonutil.dumps(err.body())
    await send({"type": "http.response.start", "status": err.status, "headers": _headers(err, body)})
    await send({"type": "http.response.body", "body": body})


def raw_response(err: StripeError) -> bytes:
    """``err`` as the bytes of a whole HTTP/1.1 response (written where no request cycle exists)."""
    body = jsonutil.dumps(err.body())
    head = b"HTTP/1.1 %d %s\r\n" % (err.status, REASONS.get(err.status, b"Error"))
    head += b"".join(k + b": " + v + b"\r\n" for k, v in _headers(err, body))
    return head + b"\r\n" + body


# --- the body (ASGI) ----------------------------------------------------------------------------


def declared_length(headers: list[tuple[bytes, bytes]]) -> int:
    """The ``Content-Length`` a request declares (0 without one or when it is not a number)."""
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


class BodyReader:
    """Reads request bodies within ``timeout`` seconds (one per application).

    A per-request timer would cost more than the rest of a small request's handling, so readers
    register their task and deadline, and one sweep (every ``timeout / 4`` s, at most 1 s, only
    while some body is being read) cancels the tasks whose deadline passed."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.interval = min(timeout / 4, 1.0)
        self.reading: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self._sweep: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def read(
        self, headers: list[tuple[bytes, bytes]], receive: Receive, send: Send, limit: int, refuse_large: bool = True
    ) -> Receive | None:
        """The request body, read within the deadline, as a ``receive`` that hands it on.

        None when the client left before its body was complete, was too slow, or sent more than
        ``limit`` bytes and ``refuse_large`` (answered, when it can be). Without ``refuse_large``
        the first ``limit`` bytes and more are handed on, for an application that answers its own
        413 without reading further."""
        if declared_length(headers) > limit:  # refused before a byte of it is read
            if not refuse_large:
                return receive
            await send_error(send, StripeError(BODY_TOO_LARGE.format(limit=limit), status=413))
            return None
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        self.reading[task] = loop.time() + self.timeout
        if self._sweep is None or self._loop is not loop:
            self._loop = loop
            self._sweep = loop.call_later(self.interval, self._expire)
        messages: list[dict[str, Any]] = []
        size = 0
        too_large = timed_out = gone = False
        try:
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    gone = True  # the client left before its body was complete
                    break
                size += len(message.get("body", b""))
                if size > limit:
                    too_large = refuse_large
                    break
                if not message.get("more_body", False):
                    break
        except asyncio.CancelledError:
            if task not in self.expired:
                raise
            task.uncancel()
            timed_out = True
        finally:
            del self.reading[task]
            self.expired.discard(task)
        if gone:
            return None  # nobody to answer, and half a request must not run
        if timed_out:
            await send_error(send, StripeError(BODY_TIMEOUT.format(seconds=self.timeout), status=408))
            return None
        if too_large:
            await send_error(send, StripeError(BODY_TOO_LARGE.format(limit=limit), status=413))
            return None
        messages.reverse()

        async def replay() -> dict[str, Any]:
            if messages:
                return messages.pop()
            return await receive()  # after the body: only http.disconnect comes

        return replay

    def _expire(self) -> None:
        assert self._loop is not None
        now = self._loop.time()
        for task, deadline in list(self.reading.items()):
            if deadline <= now and task not in self.expired:
                self.expired.add(task)
                task.cancel()
        self._sweep = self._loop.call_later(self.interval, self._expire) if self.reading else None


# --- the connection (uvicorn protocol) ----------------------------------------------------------


class ConnectionGuard:
    """Mixed into a uvicorn HTTP protocol class (see :func:`protocol_class`)."""

    header_timeout: float = 10.0
    max_connections: int = 1000
    head_limit: int = 1_048_576
    # set by uvicorn's protocol classes
    app: ASGIApp
    cycle: Any
    connections: set[Any]
    tasks: set[asyncio.Task[None]]
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_started = False
        self._head_bytes = 0
        served = self.app

        async def guarded(scope: dict[str, Any], receive: Receive, send: Send) -> None:
            scope[IN_FLIGHT] = self.tasks
            if len(self.connections) > self.max_connections:
                await send_error(
                    send, StripeError(BUSY.format(limit=self.max_connections), status=503, type="api_error")
                )
                return
            await served(scope, receive, send)

        self.app = guarded
        self._arm()

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)  # type: ignore[misc]
        if self.cycle is not cycle:  # a request head was read
            self._disarm()
            self._head_started = False
            self._head_bytes = 0
        elif self.cycle is None or self.cycle.response_complete:  # part of the next head
            self._head_started = True
            self._head_bytes += len(data)
            if self._head_bytes > self.head_limit and not self.transport.is_closing():
                self._disarm()
                self.transport.write(raw_response(StripeError(HEAD_TOO_LARGE.format(limit=self.head_limit))))
                self.transport.close()
            elif self._head_timer is None:
                self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being served: the body deadline applies
        if self._head_started:
            err = StripeError(HEAD_TIMEOUT.format(seconds=self.header_timeout), status=408)
            self.transport.write(raw_response(err))
        self.transport.close()


class LongQueries:
    """Mixed into uvicorn's httptools protocol: a request target past 64 KiB is served.

    ``httptools.parse_url`` refuses URLs longer than 65,535 bytes (its offsets are 16-bit), which
    would make a long query string a plain-text 400 that h11 serves. The query is split off
    before uvicorn parses the target, and put back in the scope after."""

    url: bytes
    scope: dict[str, Any]

    def on_headers_complete(self) -> None:
        if len(self.url) <= URL_LIMIT:
            return super().on_headers_complete()  # type: ignore[misc, no-any-return]
        self.url, _, query = self.url.partition(b"?")
        super().on_headers_complete()  # type: ignore[misc]
        self.scope["query_string"] = query  # the request task has not started yet


def protocol_class(
    http: str, header_timeout: float, max_connections: int, head_limit: int = 1_048_576
) -> type[asyncio.Protocol]:
    """uvicorn's ``h11`` or ``httptools`` protocol with the head deadline and size limit and the connection bound."""
    bases: tuple[type, ...]
    attrs: dict[str, Any] = {}
    if http == "httptools":
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

        bases = (ConnectionGuard, LongQueries, OneWriteAnswers, HttpToolsProtocol)
        attrs["status_lines"] = STATUS_LINE
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        bases = (ConnectionGuard, H11Protocol)
    attrs.update(header_timeout=header_timeout, max_connections=max_connections, head_limit=head_limit)
    return type(f"Guarded{bases[-1].__name__}", bases, attrs)
